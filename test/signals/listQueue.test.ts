import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { attemptKey, dedupKey, processingKey } from '../../src/signals/keys.js';
import { createListQueue, type ListQueueOptions } from '../../src/signals/listQueue.js';
import type { Outcome, OutcomeKind } from '../../src/signals/outcome.js';
import type { QueuedSignal, SignalQueue, TermFence } from '../../src/signals/queue.js';
import { deleteKeys, testRedisUrl, uniquePrefix } from '../support/redis.js';

const DEDUP_TTL_SECONDS = 600;

let prefix: string;
let connectionName: string;
let redis: Redis;
let extraConnections: Redis[];
let queues: SignalQueue[];
let names: { list: string; eventsStream: string; deadLetterStream: string };
let processing: string;
let fence: TermFence;

beforeEach(async () => {
  prefix = uniquePrefix();
  // The name marks this test's connections (the queue's duplicate inherits it) in CLIENT LIST.
  connectionName = `lq${prefix.replace(/:/g, '-')}`;
  redis = new Redis(testRedisUrl(), { connectionName });
  extraConnections = [];
  queues = [];
  names = { list: `${prefix}signals`, eventsStream: `${prefix}events`, deadLetterStream: `${prefix}dead` };
  processing = processingKey(names.list);
  fence = { leaseKey: `${prefix}leader`, token: 'this-term', epoch: 5 };
  await redis.set(fence.leaseKey, fence.token);
});

afterEach(async () => {
  await Promise.all(queues.map((queue) => queue.close()));
  for (const connection of extraConnections) connection.disconnect();
  await deleteKeys(redis, prefix);
  await redis.quit();
});

function listQueue(overrides: Partial<ListQueueOptions> = {}): SignalQueue {
  const queue = createListQueue({ redis, ...names, dedupTtlSeconds: DEDUP_TTL_SECONDS, fence, ...overrides });
  queues.push(queue);
  return queue;
}

function outcomeOf(kind: OutcomeKind, signal: string, signalId = 'sig-1'): Outcome {
  const executed = kind === 'executed';
  return {
    signalId,
    outcome: kind,
    engine: executed || kind === 'rejected' ? 'nautilus_trader' : null,
    attempts: executed ? 2 : 0,
    reason: `test ${kind}`,
    signal,
    at: Date.parse('2026-11-25T14:30:00.123Z'),
    ...(executed ? { report: { order_id: 'o-1' }, latencyMs: 7 } : {}),
  };
}

function signalJson(id: string): string {
  return JSON.stringify({ signal_id: id, symbol: 'AAPL', action: 'BUY', quantity: 1, order_type: 'MARKET' });
}

/** Pushes like the NAE middleware: LPUSH, one call per signal, oldest first. */
async function push(...raws: string[]): Promise<void> {
  for (const raw of raws) await redis.lpush(names.list, raw);
}

function raws(entries: readonly QueuedSignal[]): string[] {
  return entries.map((entry) => entry.raw);
}

async function streamEntries(key: string): Promise<Record<string, string>[]> {
  const entries = await redis.xrange(key, '-', '+');
  return entries.map(([, fields]) => Object.fromEntries(Array.from({ length: fields.length / 2 }, (_, i) => [fields[2 * i], fields[2 * i + 1]])));
}

/** Waits until one of this test's connections is blocked in `command` on the server. */
async function untilBlocked(command: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const clients = String(await redis.client('LIST')).split('\n');
    if (clients.some((line) => line.includes(` name=${connectionName} `) && / flags=b /.test(line) && line.includes(` cmd=${command} `))) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no connection of this test was blocked in ${command} within 5 s`);
}

describe('list queue: take and settle', () => {
  it('moves the items it takes to the processing list, newest at the left like the source list', async () => {
    const queue = listQueue();
    expect(await queue.start()).toEqual([]);
    await push(signalJson('a'), signalJson('b'), signalJson('c'), signalJson('d'));
    expect(raws(await queue.take(3, 100))).toEqual([signalJson('a'), signalJson('b'), signalJson('c')]);
    expect(await redis.lrange(names.list, 0, -1)).toEqual([signalJson('d')]);
    expect(await redis.lrange(processing, 0, -1)).toEqual([signalJson('c'), signalJson('b'), signalJson('a')]);
  });

  it('removes the item with its outcome and keeps the dedup record of an executed one for DEDUP_TTL_SECONDS', async () => {
    const queue = listQueue();
    await queue.start();
    await push(signalJson('sig-1'));
    const [entry] = await queue.take(1, 100);
    expect(await redis.llen(processing)).toBe(1);
    expect(await queue.settle(entry, outcomeOf('executed', entry.raw), { clearsAttempt: true })).toBe('settled');
    expect(await redis.llen(processing)).toBe(0);
    const ttl = await redis.pttl(dedupKey(names.list, 'sig-1'));
    expect(ttl).toBeGreaterThan((DEDUP_TTL_SECONDS - 60) * 1000);
    expect(ttl).toBeLessThanOrEqual(DEDUP_TTL_SECONDS * 1000);
  });

  it('removes one copy per settle when the same text was pushed twice, and settles both', async () => {
    const queue = listQueue();
    await queue.start();
    await push(signalJson('twin'), signalJson('twin'));
    const [first, second] = await queue.take(2, 100);
    expect(first.id).not.toBe(second.id);
    await queue.settle(first, outcomeOf('executed', first.raw, 'twin'), { clearsAttempt: true });
    expect(await redis.lrange(processing, 0, -1)).toEqual([signalJson('twin')]);
    expect(await queue.settle(second, outcomeOf('duplicate', second.raw, 'twin'), { clearsAttempt: false })).toBe('settled');
    expect(await redis.llen(processing)).toBe(0);
  });

  it('fails settle whole when Redis refuses the outcome entry: the item stays in the processing list', async () => {
    const queue = listQueue();
    await queue.start();
    await push(signalJson('sig-1'));
    const [entry] = await queue.take(1, 100);
    await queue.beginAttempt(entry, { signalId: 'sig-1', engine: 'lean_self_hosted', first: true });
    await redis.set(names.eventsStream, 'not a stream any more');
    const failure = queue.settle(entry, outcomeOf('executed', entry.raw), { clearsAttempt: true });
    await expect(failure).rejects.toThrow(/Could not record the executed outcome of signal "sig-1"/);
    await expect(failure).rejects.toHaveProperty('cause');
    expect(await redis.lrange(processing, 0, -1)).toEqual([signalJson('sig-1')]);
    expect(await redis.exists(dedupKey(names.list, 'sig-1'))).toBe(0);
    expect(await redis.exists(attemptKey(names.list, 'sig-1'))).toBe(1);
  });

  it('writes nothing for an item no longer in the processing list', async () => {
    const queue = listQueue();
    await queue.start();
    await push(signalJson('sig-1'));
    const [entry] = await queue.take(1, 100);
    // Another leader's start took it up and settled it.
    await redis.del(processing);
    expect(await queue.beginAttempt(entry, { signalId: 'sig-1', engine: 'lean_self_hosted', first: true })).toEqual({ kind: 'lost', reason: 'not_owner' });
    expect(await queue.settle(entry, outcomeOf('executed', entry.raw), { clearsAttempt: true })).toBe('not_owner');
    expect(await streamEntries(names.eventsStream)).toEqual([]);
  });

  it('refuses to start when the dead-letter key is not a stream, naming the key', async () => {
    await redis.set(names.deadLetterStream, 'x');
    await expect(listQueue().start()).rejects.toThrow(`"${names.deadLetterStream}" is a string, but the dead-letter stream DEAD_LETTER_QUEUE must be a stream`);
  });
});

describe('list queue: items left by a former leader', () => {
  it('takes over items that appear in the processing list after its start, once seen twice, never its own', async () => {
    const queue = listQueue();
    await queue.start();
    await push(signalJson('own'));
    const own = await queue.take(1, 100);
    // A former leader's blocking read moved these after this term began.
    await redis.lpush(processing, signalJson('left'), signalJson('left'));
    expect(await queue.reclaim(0)).toEqual([]);
    const claimed = await queue.reclaim(0);
    expect(raws(claimed)).toEqual([signalJson('left'), signalJson('left')]);
    expect(new Set([...own, ...claimed].map((entry) => entry.id)).size).toBe(3);
    expect(await queue.reclaim(0)).toEqual([]);
    // Settled, they leave the list like any other.
    for (const entry of claimed) await queue.settle(entry, outcomeOf('invalid', entry.raw), { clearsAttempt: false });
    expect(await redis.lrange(processing, 0, -1)).toEqual([signalJson('own')]);
  });
});

describe('list queue: blocking', () => {
  it('returns [] after blockMs when nothing arrives', async () => {
    const queue = listQueue();
    await queue.start();
    const started = Date.now();
    expect(await queue.take(10, 150)).toEqual([]);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(130);
    expect(elapsed).toBeLessThan(3000);
  });

  it('returns at once with blockMs 0 instead of blocking forever', async () => {
    const queue = listQueue();
    await queue.start();
    const started = Date.now();
    expect(await queue.take(10, 0)).toEqual([]);
    expect(Date.now() - started).toBeLessThan(1000);
    await push(signalJson('a'));
    expect(raws(await queue.take(10, 0))).toEqual([signalJson('a')]);
  });

  it('wakes up for an item pushed while it blocks, without stalling the shared connection', async () => {
    const queue = listQueue();
    await queue.start();
    const started = Date.now();
    const taking = queue.take(5, 20_000);
    await untilBlocked('blmove');
    // Were the read on the shared connection, this LPUSH would queue behind the 20 s BLMOVE.
    await push(signalJson('late'));
    expect(raws(await taking)).toEqual([signalJson('late')]);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('close() ends a blocked take promptly, is idempotent, and later takes return []', async () => {
    const queue = listQueue();
    await queue.start();
    const taking = queue.take(5, 20_000);
    await untilBlocked('blmove');
    const closedAt = Date.now();
    await queue.close();
    expect(await taking).toEqual([]);
    expect(Date.now() - closedAt).toBeLessThan(1000);
    await queue.close();
    await push(signalJson('after close'));
    expect(await queue.take(5, 1000)).toEqual([]);
    // The server may serve the abandoned BLMOVE before it sees the socket close; then the item
    // waits in the processing list for the next start(). Either way it is there exactly once.
    const kept = [...(await redis.lrange(names.list, 0, -1)), ...(await redis.lrange(processing, 0, -1))];
    expect(kept).toEqual([signalJson('after close')]);
    expect(await redis.ping()).toBe('PONG');
  });

  it('close() leaves a blocking connection it was given connected, and still ends the take promptly', async () => {
    const given = redis.duplicate();
    extraConnections.push(given);
    const queue = listQueue({ blockingRedis: given });
    await queue.start();
    const taking = queue.take(5, 20_000);
    await untilBlocked('blmove');
    const closedAt = Date.now();
    await queue.close();
    expect(await taking).toEqual([]);
    expect(Date.now() - closedAt).toBeLessThan(1000);
    expect(given.status).toBe('ready');
  });
});

describe('list queue: depth', () => {
  it('is the length of the list: items in processing are not waiting', async () => {
    const queue = listQueue();
    expect(await queue.depth()).toBe(0);
    await push(signalJson('a'), signalJson('b'), signalJson('c'));
    expect(await queue.depth()).toBe(3);
    await queue.take(2, 100);
    expect(await queue.depth()).toBe(1);
  });
});
