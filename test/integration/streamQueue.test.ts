import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dedupKey } from '../../src/signals/keys.js';
import { OUTCOMES, outcomeFields, type Outcome, type OutcomeKind } from '../../src/signals/outcome.js';
import type { SignalQueue } from '../../src/signals/queue.js';
import { createStreamQueue, type StreamQueueOptions } from '../../src/signals/streamQueue.js';
import { deleteKeys, testRedisUrl, uniquePrefix } from '../helpers/redis.js';

const DEDUP_TTL_SECONDS = 600;

let prefix: string;
let redis: Redis;
let extraConnections: Redis[];
let queues: SignalQueue[];
let names: { stream: string; eventsStream: string; deadLetterStream: string; group: string };

beforeEach(() => {
  prefix = uniquePrefix();
  // The name marks this test's connections (the queue's duplicate inherits it) in CLIENT LIST.
  redis = new Redis(testRedisUrl(), { connectionName: `sq${prefix.replace(/:/g, '-')}` });
  extraConnections = [];
  queues = [];
  names = { stream: `${prefix}signals`, eventsStream: `${prefix}events`, deadLetterStream: `${prefix}dead`, group: 'execution-manager' };
});

afterEach(async () => {
  await Promise.all(queues.map((queue) => queue.close()));
  for (const connection of extraConnections) connection.disconnect();
  await deleteKeys(redis, prefix);
  await redis.quit();
});

function streamQueue(overrides: Partial<StreamQueueOptions> = {}): SignalQueue {
  const queue = createStreamQueue({ redis, ...names, consumer: 'host-a:8001', dedupTtlSeconds: DEDUP_TTL_SECONDS, ...overrides });
  queues.push(queue);
  return queue;
}

function outcomeOf(kind: OutcomeKind, signal: string, signalId = 'sig-1'): Outcome {
  const executed = kind === 'executed';
  return {
    signalId,
    outcome: kind,
    engine: executed || kind === 'rejected' ? 'lean_self_hosted' : null,
    attempts: executed ? 1 : 0,
    reason: `test ${kind}`,
    signal,
    at: Date.parse('2026-11-25T14:30:00.123Z'),
    ...(executed ? { report: { order_id: 'o-1', filled: 10 }, latencyMs: 12.4 } : {}),
  };
}

function signalJson(id: string): string {
  return JSON.stringify({ signal_id: id, symbol: 'AAPL', action: 'BUY', quantity: 1, order_type: 'MARKET' });
}

async function addSignal(raw: string): Promise<string> {
  const id = await redis.xadd(names.stream, '*', 'signal', raw);
  if (id === null) throw new Error('XADD returned no id');
  return id;
}

async function streamEntries(key: string): Promise<Record<string, string>[]> {
  const entries = await redis.xrange(key, '-', '+');
  return entries.map(([, fields]) => Object.fromEntries(Array.from({ length: fields.length / 2 }, (_, i) => [fields[2 * i], fields[2 * i + 1]])));
}

async function pendingCount(): Promise<number> {
  const [count] = await redis.xpending(names.stream, names.group);
  return Number(count);
}

/** Waits until one of this test's connections is blocked in `command` on the server. */
async function untilBlocked(command: string): Promise<void> {
  const name = `sq${prefix.replace(/:/g, '-')}`;
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const clients = String(await redis.client('LIST')).split('\n');
    if (clients.some((line) => line.includes(` name=${name} `) && / flags=b /.test(line) && line.includes(` cmd=${command} `))) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no connection of this test was blocked in ${command} within 5 s`);
}

describe('stream queue: start', () => {
  it('creates the consumer group from the start of the stream and tolerates an existing one', async () => {
    const before = await addSignal(signalJson('sig-early'));
    const queue = streamQueue();
    expect(await queue.start()).toEqual([]);
    expect(await streamQueue().start()).toEqual([]);
    const groups = await redis.xinfo('GROUPS', names.stream);
    expect(JSON.stringify(groups)).toContain(`"name","${names.group}"`);
    // Created at 0, so a signal queued before the first start is delivered.
    expect(await queue.take(10, 100)).toEqual([{ id: before, raw: signalJson('sig-early') }]);
  });

  it('creates the stream when it does not exist yet', async () => {
    await streamQueue().start();
    expect(await redis.type(names.stream)).toBe('stream');
  });

  it('refuses to start when the dead-letter key is not a stream, naming the key', async () => {
    await redis.lpush(names.deadLetterStream, 'old middleware item');
    await expect(streamQueue().start()).rejects.toThrow(`"${names.deadLetterStream}" is a list, but the dead-letter stream DEAD_LETTER_QUEUE must be a stream`);
  });
});

describe('stream queue: take and settle', () => {
  it('takes entries oldest first, up to max, with the signal field as raw text', async () => {
    const queue = streamQueue();
    await queue.start();
    const ids = [await addSignal(signalJson('a')), await addSignal(signalJson('b')), await addSignal(signalJson('c'))];
    expect(await queue.take(2, 100)).toEqual([
      { id: ids[0], raw: signalJson('a') },
      { id: ids[1], raw: signalJson('b') },
    ]);
    expect(await queue.take(10, 100)).toEqual([{ id: ids[2], raw: signalJson('c') }]);
  });

  it('gives an entry without a signal field an empty raw text', async () => {
    const queue = streamQueue();
    await queue.start();
    const id = await redis.xadd(names.stream, '*', 'payload', signalJson('a'));
    expect(await queue.take(1, 100)).toEqual([{ id, raw: '' }]);
  });

  it('records executed on the events stream with exactly the contract fields, sets the dedup key with its TTL, and acks', async () => {
    const queue = streamQueue();
    await queue.start();
    await addSignal(signalJson('sig-1'));
    const [entry] = await queue.take(1, 100);
    expect(await pendingCount()).toBe(1);
    expect(await queue.wasExecuted('sig-1')).toBe(false);

    const outcome = outcomeOf('executed', entry.raw);
    await queue.settle(entry, outcome);

    expect(await streamEntries(names.eventsStream)).toEqual([outcomeFields(outcome)]);
    expect(Object.keys((await streamEntries(names.eventsStream))[0]).sort()).toEqual(
      ['at', 'attempts', 'engine', 'latency_ms', 'outcome', 'reason', 'report', 'signal', 'signal_id'],
    );
    expect(await streamEntries(names.deadLetterStream)).toEqual([]);
    expect(await pendingCount()).toBe(0);
    const ttl = await redis.pttl(dedupKey(names.stream, 'sig-1'));
    expect(ttl).toBeGreaterThan((DEDUP_TTL_SECONDS - 60) * 1000);
    expect(ttl).toBeLessThanOrEqual(DEDUP_TTL_SECONDS * 1000);
    expect(await queue.wasExecuted('sig-1')).toBe(true);
    expect(await queue.wasExecuted('sig-2')).toBe(false);
  });

  it.each(OUTCOMES.filter((kind) => kind !== 'executed'))('records %s on the right stream, acks, and sets no dedup key', async (kind) => {
    const queue = streamQueue();
    await queue.start();
    await addSignal(signalJson('sig-1'));
    const [entry] = await queue.take(1, 100);
    const outcome = outcomeOf(kind, entry.raw);
    await queue.settle(entry, outcome);

    const toEvents = kind === 'duplicate';
    expect(await streamEntries(names.eventsStream)).toEqual(toEvents ? [outcomeFields(outcome)] : []);
    expect(await streamEntries(names.deadLetterStream)).toEqual(toEvents ? [] : [outcomeFields(outcome)]);
    expect(await pendingCount()).toBe(0);
    expect(await redis.exists(dedupKey(names.stream, 'sig-1'))).toBe(0);
  });

  it('records an unreadable signal with an empty signal_id', async () => {
    const queue = streamQueue();
    await queue.start();
    await redis.xadd(names.stream, '*', 'other', 'x');
    const [entry] = await queue.take(1, 100);
    await queue.settle(entry, outcomeOf('invalid', entry.raw, ''));
    expect(await streamEntries(names.deadLetterStream)).toEqual([expect.objectContaining({ signal_id: '', signal: '', outcome: 'invalid' })]);
  });

  it('fails settle with a cause when Redis refuses the outcome entry', async () => {
    const queue = streamQueue();
    await queue.start();
    await addSignal(signalJson('sig-1'));
    const [entry] = await queue.take(1, 100);
    await redis.set(names.eventsStream, 'not a stream any more');
    const failure = queue.settle(entry, outcomeOf('executed', entry.raw));
    await expect(failure).rejects.toThrow(/Could not record the executed outcome of stream entry/);
    await expect(failure).rejects.toHaveProperty('cause');
  });
});

describe('stream queue: pending entries survive a crash', () => {
  it("a new instance with the same consumer name gets the first one's unsettled entries back at start, oldest first", async () => {
    const first = streamQueue();
    await first.start();
    await addSignal(signalJson('a'));
    await addSignal(signalJson('b'));
    await addSignal(signalJson('c'));
    const taken = await first.take(3, 100);
    await first.settle(taken[1], outcomeOf('executed', taken[1].raw, 'b'));
    // The crash: the first instance never settles the others.
    await first.close();

    const second = streamQueue();
    const pending = await second.start();
    expect(pending).toEqual([taken[0], taken[2]]);
    expect(await second.take(10, 50)).toEqual([]);
    for (const entry of pending) await second.settle(entry, outcomeOf('executed', entry.raw));
    expect(await pendingCount()).toBe(0);
    expect(await streamQueue().start()).toEqual([]);
  });

  it('pages through more pending entries than one read returns', async () => {
    const first = streamQueue();
    await first.start();
    const pipeline = redis.pipeline();
    for (let index = 0; index < 250; index += 1) pipeline.xadd(names.stream, '*', 'signal', signalJson(`s${index}`));
    await pipeline.exec();
    const taken = await first.take(250, 100);
    expect(taken).toHaveLength(250);
    expect(await streamQueue().start()).toEqual(taken);
  });

  it('a different consumer name does not see them', async () => {
    const first = streamQueue();
    await first.start();
    await addSignal(signalJson('a'));
    expect(await first.take(1, 100)).toHaveLength(1);

    const other = streamQueue({ consumer: 'host-b:8001' });
    expect(await other.start()).toEqual([]);
    expect(await other.take(10, 50)).toEqual([]);
  });

  it('returns a pending entry whose stream entry was deleted with an empty raw text', async () => {
    const first = streamQueue();
    await first.start();
    const id = await addSignal(signalJson('a'));
    await first.take(1, 100);
    await redis.xdel(names.stream, id);
    expect(await streamQueue().start()).toEqual([{ id, raw: '' }]);
  });
});

describe('stream queue: blocking', () => {
  it('returns [] after blockMs when nothing arrives', async () => {
    const queue = streamQueue();
    await queue.start();
    const started = Date.now();
    expect(await queue.take(10, 150)).toEqual([]);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(130);
    expect(elapsed).toBeLessThan(3000);
  });

  it('returns at once with blockMs 0 instead of blocking forever', async () => {
    const queue = streamQueue();
    await queue.start();
    const started = Date.now();
    expect(await queue.take(10, 0)).toEqual([]);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('wakes up for an entry added while it blocks, without stalling the shared connection', async () => {
    const queue = streamQueue();
    await queue.start();
    const started = Date.now();
    const taking = queue.take(5, 20_000);
    await untilBlocked('xreadgroup');
    // Were the read on the shared connection, this XADD would queue behind the 20 s BLOCK.
    const id = await addSignal(signalJson('late'));
    expect(await taking).toEqual([{ id, raw: signalJson('late') }]);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('close() ends a blocked take promptly, is idempotent, and later takes return []', async () => {
    const queue = streamQueue();
    await queue.start();
    const taking = queue.take(5, 20_000);
    await untilBlocked('xreadgroup');
    const closedAt = Date.now();
    await queue.close();
    expect(await taking).toEqual([]);
    expect(Date.now() - closedAt).toBeLessThan(1000);
    await queue.close();
    await addSignal(signalJson('after close'));
    expect(await queue.take(5, 1000)).toEqual([]);
    // The shared connection was not the queue's to close.
    expect(await redis.ping()).toBe('PONG');
  });

  it('close() leaves a blocking connection it was given connected, and still ends the take promptly', async () => {
    const given = redis.duplicate();
    extraConnections.push(given);
    const queue = streamQueue({ blockingRedis: given });
    await queue.start();
    const taking = queue.take(5, 20_000);
    await untilBlocked('xreadgroup');
    const closedAt = Date.now();
    await queue.close();
    expect(await taking).toEqual([]);
    expect(Date.now() - closedAt).toBeLessThan(1000);
    expect(given.status).toBe('ready');
  });

  it('recreates the group when the stream was deleted under it', async () => {
    const queue = streamQueue();
    await queue.start();
    await redis.del(names.stream);
    const id = await addSignal(signalJson('after delete'));
    expect(await queue.take(5, 100)).toEqual([{ id, raw: signalJson('after delete') }]);
  });
});

describe('stream queue: depth', () => {
  it('is 0 for a stream that does not exist', async () => {
    expect(await streamQueue().depth()).toBe(0);
  });

  it('counts the entries not yet delivered to the group, before and after start', async () => {
    const queue = streamQueue();
    for (const id of ['a', 'b', 'c']) await addSignal(signalJson(id));
    expect(await queue.depth()).toBe(3);
    await queue.start();
    expect(await queue.depth()).toBe(3);
    const [entry] = await queue.take(1, 100);
    expect(await queue.depth()).toBe(2);
    await queue.settle(entry, outcomeOf('executed', entry.raw));
    expect(await queue.depth()).toBe(2);
    await queue.take(10, 100);
    expect(await queue.depth()).toBe(0);
  });
});

describe('stream queue takeover', () => {
  it('reclaims only entries other consumers left idle, and never its own', async () => {
    const dead = streamQueue({ consumer: 'dead-leader' });
    const successor = streamQueue({ consumer: 'new-leader' });
    await dead.start();
    await successor.start();
    await addSignal(signalJson('left-behind'));
    const [takenByDead] = await dead.take(10, 100);
    await addSignal(signalJson('own'));
    const [own] = await successor.take(10, 100);
    expect(takenByDead?.raw).toBe(signalJson('left-behind'));
    expect(own?.raw).toBe(signalJson('own'));
    // Not idle long enough yet: nothing moves.
    expect(await successor.reclaim(60_000)).toEqual([]);
    const claimed = await successor.reclaim(0);
    expect(claimed.map((entry) => entry.raw)).toEqual([signalJson('left-behind')]);
    const owners = (await redis.xpending(names.stream, names.group, '-', '+', 10)) as [string, string, number, number][];
    expect(owners.map(([, owner]) => owner)).toEqual(['new-leader', 'new-leader']);
  });

  it('records nothing for an entry another consumer took over, so it gets one outcome', async () => {
    const dead = streamQueue({ consumer: 'old-leader' });
    const successor = streamQueue({ consumer: 'new-leader' });
    await dead.start();
    await successor.start();
    const raw = signalJson('sig-1');
    await addSignal(raw);
    const [entry] = await dead.take(10, 100);
    if (entry === undefined) throw new Error('nothing taken');
    await successor.reclaim(0);
    // The old leader comes back with a result: the entry is no longer its own.
    expect(await dead.settle(entry, outcomeOf('executed', raw))).toBe(false);
    expect(await streamEntries(names.eventsStream)).toEqual([]);
    expect(await successor.settle(entry, outcomeOf('executed', raw))).toBe(true);
    expect(await streamEntries(names.eventsStream)).toHaveLength(1);
    expect(await pendingCount()).toBe(0);
  });
});
