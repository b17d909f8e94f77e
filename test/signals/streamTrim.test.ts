/**
 * Trimming the signal stream against the real Redis: acknowledged entries go, below the oldest
 * entry any group still needs; pending (unsettled) entries and entries never read survive, as do
 * the entries another group has not read; a term that lost the lease trims nothing; the periodic
 * trim runs on the clock it is given. The last test runs it inside a service.
 */
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import type { TermFence } from '../../src/signals/queue.js';
import { startStreamTrimming, trimAcknowledged, type TrimResult } from '../../src/signals/streamTrim.js';
import { deleteKeys, testRedisUrl, uniquePrefix } from '../support/redis.js';
import { eventually, produce, signalJson } from '../support/service.js';
import { useServiceFixture } from '../support/serviceFixture.js';
import { TestClock } from '../support/testClock.js';

const GROUP = 'execution-manager';

let prefix: string;
let redis: Redis;
let stream: string;
let fence: TermFence;

beforeEach(async () => {
  prefix = uniquePrefix();
  redis = new Redis(testRedisUrl());
  stream = `${prefix}signals`;
  fence = { leaseKey: `${prefix}leader`, token: 'this-term', epoch: 1 };
  await redis.set(fence.leaseKey, fence.token);
});

afterEach(async () => {
  await deleteKeys(redis, prefix);
  await redis.quit();
});

/** Adds `count` entries; answers their ids, oldest first. */
async function add(count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let index = 0; index < count; index++) {
    const id = await redis.xadd(stream, '*', 'signal', signalJson(`s${index}`));
    if (id === null) throw new Error('XADD answered no id');
    ids.push(id);
  }
  return ids;
}

/** Delivers `count` new entries to the group's consumer `consumer` (they become pending). */
async function deliver(count: number, group = GROUP, consumer = 'c1'): Promise<void> {
  await redis.xreadgroup('GROUP', group, consumer, 'COUNT', count, 'STREAMS', stream, '>');
}

async function remaining(): Promise<string[]> {
  return (await redis.xrange(stream, '-', '+')).map(([id]) => id);
}

const trim = () => trimAcknowledged({ redis, stream, fence });

describe('trimAcknowledged', () => {
  it('removes acknowledged entries below the oldest pending one, never a pending or an unread one', async () => {
    await redis.xgroup('CREATE', stream, GROUP, '0', 'MKSTREAM');
    const [e1, e2, e3, e4, e5, e6] = await add(6);
    await deliver(4);
    await redis.xack(stream, GROUP, e1 ?? '', e3 ?? '');

    // e2 is pending: e3, acknowledged, stays above it; e5 and e6 were never read.
    expect(await trim()).toEqual({ trimmed: 1, boundary: e2 });
    expect(await remaining()).toEqual([e2, e3, e4, e5, e6]);

    await redis.xack(stream, GROUP, e2 ?? '');
    expect(await trim()).toEqual({ trimmed: 2, boundary: e4 });
    expect(await remaining()).toEqual([e4, e5, e6]);

    // Nothing pending: everything up to the last delivered entry goes, the unread ones stay.
    await redis.xack(stream, GROUP, e4 ?? '');
    const done = await trim();
    expect(done.trimmed).toBe(1);
    expect(await remaining()).toEqual([e5, e6]);
    expect(await trim()).toMatchObject({ trimmed: 0 });

    // What stayed is still delivered as usual.
    const read = (await redis.xreadgroup('GROUP', GROUP, 'c1', 'COUNT', 10, 'STREAMS', stream, '>')) as [string, [string, string[]][]][];
    expect(read[0]?.[1].map(([id]) => id)).toEqual([e5, e6]);
  });

  it('keeps what another group has not read or not acknowledged', async () => {
    await redis.xgroup('CREATE', stream, GROUP, '0', 'MKSTREAM');
    await redis.xgroup('CREATE', stream, 'analytics', '0');
    const [e1, e2, e3] = await add(3);
    await deliver(3);
    await redis.xack(stream, GROUP, e1 ?? '', e2 ?? '', e3 ?? '');
    expect(await trim()).toMatchObject({ trimmed: 0 });
    expect(await remaining()).toEqual([e1, e2, e3]);

    await deliver(2, 'analytics', 'a1');
    await redis.xack(stream, 'analytics', e1 ?? '');
    expect(await trim()).toEqual({ trimmed: 1, boundary: e2 });
    expect(await remaining()).toEqual([e2, e3]);
  });

  it('trims nothing for a term that lost the lease, on a stream without a group, or without a stream', async () => {
    await redis.xgroup('CREATE', stream, GROUP, '0', 'MKSTREAM');
    const ids = await add(2);
    await deliver(2);
    await redis.xack(stream, GROUP, ...ids);
    await redis.set(fence.leaseKey, 'the-next-term');
    expect(await trim()).toEqual({ trimmed: 0, boundary: '' });
    expect(await remaining()).toEqual(ids);

    await redis.set(fence.leaseKey, fence.token);
    await redis.xgroup('DESTROY', stream, GROUP);
    expect(await trim()).toEqual({ trimmed: 0, boundary: '' });
    expect(await remaining()).toEqual(ids);

    await redis.del(stream);
    expect(await trim()).toEqual({ trimmed: 0, boundary: '' });
  });

  it('says which stream when the trim fails, with the cause', async () => {
    // A lease key of the wrong type makes the script's GET fail: an error from Redis.
    await redis.del(fence.leaseKey);
    await redis.hset(fence.leaseKey, 'a', 'b');
    const failure = await trim().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toBe(`Could not trim the acknowledged entries of stream "${stream}"`);
    expect((failure as Error).cause).toBeInstanceOf(Error);
  });
});

describe('startStreamTrimming', () => {
  it('trims every interval on its clock, and not before', async () => {
    await redis.xgroup('CREATE', stream, GROUP, '0', 'MKSTREAM');
    const ids = await add(3);
    await deliver(3);
    await redis.xack(stream, GROUP, ...ids);
    const clock = new TestClock(1_000_000);
    const results: TrimResult[] = [];
    const trimming = startStreamTrimming({
      redis,
      stream,
      fence,
      intervalMs: 60_000,
      log: createLogger('silent'),
      clock,
      onTrimmed: (result) => results.push(result),
    });
    try {
      await clock.advance(59_999);
      expect(results).toEqual([]);
      expect(await remaining()).toEqual(ids);
      await clock.advance(1);
      await eventually('the first trim', () => results.length === 1);
      expect(results[0]?.trimmed).toBe(3);
      expect(await remaining()).toEqual([]);

      const [later] = await add(1);
      await clock.advance(60_000);
      await eventually('the second trim', () => results.length === 2);
      expect(results[1]).toEqual({ trimmed: 0, boundary: expect.any(String) });
      expect(await remaining()).toEqual([later]);
    } finally {
      await trimming.stop();
    }
    await clock.advance(120_000);
    expect(results).toHaveLength(2);
  });
});

describe('in the service (SIGNAL_STREAM_TRIM_INTERVAL)', () => {
  const fixture = useServiceFixture('stream');

  it('the leader trims the signals it executed, keeping the consumer group', async () => {
    await fixture.start({ SIGNAL_STREAM_TRIM_INTERVAL: '0.1' });
    for (let index = 0; index < 5; index++) await produce(fixture.redis, fixture.keys, 'stream', signalJson(`t${index}`));
    await eventually('five executed', async () => (await fixture.redis.xlen(fixture.keys.executionEvents)) === 5);
    await eventually('the signal stream trimmed', async () => (await fixture.redis.xlen(fixture.keys.signalQueue)) === 0);
    const groups = (await fixture.redis.xinfo('GROUPS', fixture.keys.signalQueue)) as unknown[][];
    expect(groups.map((group) => group[group.indexOf('name') + 1])).toEqual([fixture.keys.signalGroup]);
    // Producing goes on as before on the trimmed stream.
    await produce(fixture.redis, fixture.keys, 'stream', signalJson('after'));
    await eventually('the next one executed', async () => (await fixture.redis.xlen(fixture.keys.executionEvents)) === 6);
  });
});
