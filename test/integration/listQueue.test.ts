import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dedupKey, processingKey } from '../../src/signals/keys.js';
import { createListQueue, type ListQueueOptions } from '../../src/signals/listQueue.js';
import { OUTCOMES, outcomeFields, type Outcome, type OutcomeKind } from '../../src/signals/outcome.js';
import type { SignalQueue } from '../../src/signals/queue.js';
import { deleteKeys, testRedisUrl, uniquePrefix } from '../helpers/redis.js';

const DEDUP_TTL_SECONDS = 600;

let prefix: string;
let connectionName: string;
let redis: Redis;
let extraConnections: Redis[];
let queues: SignalQueue[];
let names: { list: string; eventsStream: string; deadLetterStream: string };
let processing: string;

beforeEach(() => {
  prefix = uniquePrefix();
  // The name marks this test's connections (the queue's duplicate inherits it) in CLIENT LIST.
  connectionName = `lq${prefix.replace(/:/g, '-')}`;
  redis = new Redis(testRedisUrl(), { connectionName });
  extraConnections = [];
  queues = [];
  names = { list: `${prefix}signals`, eventsStream: `${prefix}events`, deadLetterStream: `${prefix}dead` };
  processing = processingKey(names.list);
});

afterEach(async () => {
  await Promise.all(queues.map((queue) => queue.close()));
  for (const connection of extraConnections) connection.disconnect();
  await deleteKeys(redis, prefix);
  await redis.quit();
});

function listQueue(overrides: Partial<ListQueueOptions> = {}): SignalQueue {
  const queue = createListQueue({ redis, ...names, dedupTtlSeconds: DEDUP_TTL_SECONDS, ...overrides });
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

function asEntries(...raws: string[]) {
  return raws.map((raw) => ({ id: raw, raw }));
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
  it('takes items oldest first, up to max, moving them to the processing list', async () => {
    const queue = listQueue();
    expect(await queue.start()).toEqual([]);
    await push(signalJson('a'), signalJson('b'), signalJson('c'), signalJson('d'));
    expect(await queue.take(3, 100)).toEqual(asEntries(signalJson('a'), signalJson('b'), signalJson('c')));
    expect(await redis.lrange(names.list, 0, -1)).toEqual([signalJson('d')]);
    // Newest at the left, like the source list.
    expect(await redis.lrange(processing, 0, -1)).toEqual([signalJson('c'), signalJson('b'), signalJson('a')]);
    expect(await queue.take(10, 100)).toEqual(asEntries(signalJson('d')));
  });

  it('records executed on the events stream with exactly the contract fields, sets the dedup key with its TTL, and removes the item', async () => {
    const queue = listQueue();
    await queue.start();
    await push(signalJson('sig-1'));
    const [entry] = await queue.take(1, 100);
    expect(await redis.llen(processing)).toBe(1);

    const outcome = outcomeOf('executed', entry.raw);
    await queue.settle(entry, outcome);

    expect(await streamEntries(names.eventsStream)).toEqual([outcomeFields(outcome)]);
    expect(await streamEntries(names.deadLetterStream)).toEqual([]);
    expect(await redis.llen(processing)).toBe(0);
    const ttl = await redis.pttl(dedupKey(names.list, 'sig-1'));
    expect(ttl).toBeGreaterThan((DEDUP_TTL_SECONDS - 60) * 1000);
    expect(ttl).toBeLessThanOrEqual(DEDUP_TTL_SECONDS * 1000);
    expect(await queue.wasExecuted('sig-1')).toBe(true);
    expect(await queue.wasExecuted('sig-2')).toBe(false);
  });

  it.each(OUTCOMES.filter((kind) => kind !== 'executed'))('records %s on the right stream, removes the item, and sets no dedup key', async (kind) => {
    const queue = listQueue();
    await queue.start();
    await push(signalJson('sig-1'));
    const [entry] = await queue.take(1, 100);
    const outcome = outcomeOf(kind, entry.raw);
    await queue.settle(entry, outcome);

    const toEvents = kind === 'duplicate';
    expect(await streamEntries(names.eventsStream)).toEqual(toEvents ? [outcomeFields(outcome)] : []);
    expect(await streamEntries(names.deadLetterStream)).toEqual(toEvents ? [] : [outcomeFields(outcome)]);
    expect(await redis.llen(processing)).toBe(0);
    expect(await redis.exists(dedupKey(names.list, 'sig-1'))).toBe(0);
  });

  it('removes one copy per settle when the same text was pushed twice', async () => {
    const queue = listQueue();
    await queue.start();
    await push(signalJson('twin'), signalJson('twin'));
    const [first, second] = await queue.take(2, 100);
    await queue.settle(first, outcomeOf('executed', first.raw, 'twin'));
    expect(await redis.lrange(processing, 0, -1)).toEqual([signalJson('twin')]);
    await queue.settle(second, outcomeOf('duplicate', second.raw, 'twin'));
    expect(await redis.llen(processing)).toBe(0);
  });

  it('refuses to start when the dead-letter key is not a stream, naming the key', async () => {
    await redis.set(names.deadLetterStream, 'x');
    await expect(listQueue().start()).rejects.toThrow(`"${names.deadLetterStream}" is a string, but the dead-letter stream DEAD_LETTER_QUEUE must be a stream`);
  });
});

describe('list queue: items in flight survive a crash', () => {
  it("a new instance gets the unsettled items back at start, oldest first, and can settle them", async () => {
    const first = listQueue();
    await first.start();
    await push(signalJson('a'), signalJson('b'), signalJson('c'), signalJson('d'));
    const taken = await first.take(3, 100);
    await first.settle(taken[1], outcomeOf('executed', taken[1].raw, 'b'));
    // The crash: the first instance never settles the others.
    await first.close();

    const second = listQueue();
    const left = await second.start();
    expect(left).toEqual(asEntries(signalJson('a'), signalJson('c')));
    expect(await second.take(10, 100)).toEqual(asEntries(signalJson('d')));
    for (const entry of left) await second.settle(entry, outcomeOf('invalid', entry.raw));
    expect(await redis.lrange(processing, 0, -1)).toEqual([signalJson('d')]);
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
    expect(await queue.take(10, 0)).toEqual(asEntries(signalJson('a')));
  });

  it('wakes up for an item pushed while it blocks, without stalling the shared connection', async () => {
    const queue = listQueue();
    await queue.start();
    const started = Date.now();
    const taking = queue.take(5, 20_000);
    await untilBlocked('blmove');
    // Were the read on the shared connection, this LPUSH would queue behind the 20 s BLMOVE.
    await push(signalJson('late'));
    expect(await taking).toEqual(asEntries(signalJson('late')));
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
