/**
 * `CONSUMER_IDLE_REMOVE_SECONDS`: a reclaim of the stream queue also removes the group's consumers
 * that are idle that long with nothing pending; never this consumer, never one with pending entries
 * (XGROUP DELCONSUMER would drop them), never for a term that lost the lease.
 */
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import type { SignalQueue, TermFence } from '../../src/signals/queue.js';
import { createStreamQueue, type StreamQueueOptions } from '../../src/signals/streamQueue.js';
import { deleteKeys, testRedisUrl, uniquePrefix } from '../support/redis.js';

const IDLE_MS = 300;
const GROUP = 'execution-manager';
const OWN = 'host-a:8001';

let prefix: string;
let redis: Redis;
let queues: SignalQueue[];
let stream: string;
let fence: TermFence;

beforeEach(async () => {
  prefix = uniquePrefix();
  redis = new Redis(testRedisUrl());
  queues = [];
  stream = `${prefix}signals`;
  fence = { leaseKey: `${prefix}leader`, token: 'this-term', epoch: 3 };
  await redis.set(fence.leaseKey, fence.token);
});

afterEach(async () => {
  await Promise.all(queues.map((queue) => queue.close()));
  await deleteKeys(redis, prefix);
  await redis.quit();
});

function streamQueue(overrides: Partial<StreamQueueOptions> = {}): SignalQueue {
  const queue = createStreamQueue({
    redis,
    stream,
    group: GROUP,
    consumer: OWN,
    eventsStream: `${prefix}events`,
    deadLetterStream: `${prefix}dead`,
    dedupTtlSeconds: 600,
    fence,
    consumerIdleRemoveMs: IDLE_MS,
    log: createLogger('silent'),
    ...overrides,
  });
  queues.push(queue);
  return queue;
}

interface ConsumerInfo {
  readonly name: string;
  readonly pending: number;
  readonly idle: number;
}

async function consumers(): Promise<ConsumerInfo[]> {
  const reply = (await redis.xinfo('CONSUMERS', stream, GROUP)) as unknown[][];
  return reply.map((flat) => {
    const info = new Map<unknown, unknown>();
    for (let index = 0; index + 1 < flat.length; index += 2) info.set(flat[index], flat[index + 1]);
    return { name: String(info.get('name')), pending: Number(info.get('pending')), idle: Number(info.get('idle')) };
  });
}

/** Polls until every consumer named has been idle at least `ms`. */
async function untilIdle(names: readonly string[], ms: number): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const known = await consumers();
    if (names.every((name) => (known.find((consumer) => consumer.name === name)?.idle ?? -1) >= ms)) return;
    if (Date.now() > deadline) throw new Error(`consumers ${names.join(', ')} did not become idle`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A consumer that took one entry and left it pending. */
async function busyConsumer(name: string): Promise<void> {
  await redis.xadd(stream, '*', 'signal', '{"signal_id":"kept"}');
  await redis.xreadgroup('GROUP', GROUP, name, 'COUNT', 1, 'STREAMS', stream, '>');
}

describe('stream queue: idle consumers', () => {
  it('removes the consumers idle long enough with nothing pending, keeping its own, a busy one and a recent one', async () => {
    const queue = streamQueue();
    await queue.start();
    await redis.xgroup('CREATECONSUMER', stream, GROUP, 'gone-host:8001');
    await busyConsumer('busy-host:8001');
    await untilIdle(['gone-host:8001', 'busy-host:8001', OWN], IDLE_MS);
    await redis.xgroup('CREATECONSUMER', stream, GROUP, 'new-host:8001');
    // A long idle time for the reclaim itself: nothing is taken over, only the sweep acts.
    expect(await queue.reclaim(60_000)).toEqual([]);
    expect((await consumers()).map((consumer) => consumer.name).sort()).toEqual(['busy-host:8001', OWN, 'new-host:8001'].sort());
    expect((await consumers()).find((consumer) => consumer.name === 'busy-host:8001')?.pending).toBe(1);
  });

  it("removes a dead leader's consumer once its entries are taken over and it has stayed idle", async () => {
    const queue = streamQueue();
    await queue.start();
    await busyConsumer('dead-leader:8001');
    await untilIdle(['dead-leader:8001'], IDLE_MS);
    // The claim empties its pending list, and the sweep after it removes it in the same reclaim.
    const claimed = await queue.reclaim(0);
    expect(claimed.map((entry) => entry.raw)).toEqual(['{"signal_id":"kept"}']);
    expect((await consumers()).map((consumer) => consumer.name)).toEqual([OWN]);
  });

  it('removes nothing for a term that lost the lease', async () => {
    const queue = streamQueue();
    await queue.start();
    await redis.xgroup('CREATECONSUMER', stream, GROUP, 'gone-host:8001');
    await untilIdle(['gone-host:8001'], IDLE_MS);
    await redis.set(fence.leaseKey, 'a-newer-term');
    await queue.reclaim(60_000);
    expect((await consumers()).map((consumer) => consumer.name).sort()).toEqual(['gone-host:8001', OWN].sort());
  });

  it('removes nothing without CONSUMER_IDLE_REMOVE_SECONDS, and a missing group is no error', async () => {
    const queue = streamQueue({ consumerIdleRemoveMs: undefined });
    await queue.start();
    await redis.xgroup('CREATECONSUMER', stream, GROUP, 'gone-host:8001');
    await untilIdle(['gone-host:8001'], IDLE_MS);
    await queue.reclaim(60_000);
    expect((await consumers()).map((consumer) => consumer.name)).toContain('gone-host:8001');
    await redis.xgroup('DESTROY', stream, GROUP);
    await expect(streamQueue().reclaim(60_000)).resolves.toEqual([]);
  });
});
