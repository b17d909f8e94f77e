import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { attemptKey, dedupKey } from '../../src/signals/keys.js';
import type { Outcome, OutcomeKind } from '../../src/signals/outcome.js';
import type { SignalQueue, TermFence } from '../../src/signals/queue.js';
import { createStreamQueue, type StreamQueueOptions } from '../../src/signals/streamQueue.js';
import { deleteKeys, testRedisUrl, uniquePrefix } from '../support/redis.js';

const DEDUP_TTL_SECONDS = 600;

let prefix: string;
let redis: Redis;
let extraConnections: Redis[];
let queues: SignalQueue[];
let names: { stream: string; eventsStream: string; deadLetterStream: string; group: string };
let fence: TermFence;

beforeEach(async () => {
  prefix = uniquePrefix();
  // The name marks this test's connections (the queue's duplicate inherits it) in CLIENT LIST.
  redis = new Redis(testRedisUrl(), { connectionName: `sq${prefix.replace(/:/g, '-')}` });
  extraConnections = [];
  queues = [];
  names = { stream: `${prefix}signals`, eventsStream: `${prefix}events`, deadLetterStream: `${prefix}dead`, group: 'execution-manager' };
  fence = { leaseKey: `${prefix}leader`, token: 'this-term', epoch: 3 };
  await redis.set(fence.leaseKey, fence.token);
});

afterEach(async () => {
  await Promise.all(queues.map((queue) => queue.close()));
  for (const connection of extraConnections) connection.disconnect();
  await deleteKeys(redis, prefix);
  await redis.quit();
});

function streamQueue(overrides: Partial<StreamQueueOptions> = {}): SignalQueue {
  const queue = createStreamQueue({ redis, ...names, consumer: 'host-a:8001', dedupTtlSeconds: DEDUP_TTL_SECONDS, fence, ...overrides });
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

async function idleOf(entryId: string): Promise<number> {
  const pending = (await redis.xpending(names.stream, names.group, entryId, entryId, 1)) as [string, string, number, number][];
  return pending[0]?.[2] ?? -1;
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
  it('marks an entry without a signal field invalid, its fields as a JSON object for the dead-letter entry', async () => {
    const queue = streamQueue();
    await queue.start();
    const id = await redis.xadd(names.stream, '*', 'payload', signalJson('a'));
    expect(await queue.take(1, 100)).toEqual([
      { id, raw: JSON.stringify({ payload: signalJson('a') }), invalid: expect.stringContaining('no "signal" field') },
    ]);
  });

  it('acknowledges a settled entry and keeps the dedup record of an executed one for DEDUP_TTL_SECONDS', async () => {
    const queue = streamQueue();
    await queue.start();
    await addSignal(signalJson('sig-1'));
    const [entry] = await queue.take(1, 100);
    expect(await pendingCount()).toBe(1);
    const outcome = outcomeOf('executed', entry.raw);
    expect(await queue.settle(entry, outcome, { clearsAttempt: true })).toBe('settled');
    expect(Object.keys((await streamEntries(names.eventsStream))[0]).sort()).toEqual([
      'at',
      'attempts',
      'engine',
      'latency_ms',
      'outcome',
      'reason',
      'report',
      'signal',
      'signal_id',
    ]);
    expect(await pendingCount()).toBe(0);
    const ttl = await redis.pttl(dedupKey(names.stream, 'sig-1'));
    expect(ttl).toBeGreaterThan((DEDUP_TTL_SECONDS - 60) * 1000);
    expect(ttl).toBeLessThanOrEqual(DEDUP_TTL_SECONDS * 1000);
    expect(await redis.exists(dedupKey(names.stream, 'sig-2'))).toBe(0);
  });

  it('records an unreadable signal with an empty signal_id', async () => {
    const queue = streamQueue();
    await queue.start();
    await redis.xadd(names.stream, '*', 'other', 'x');
    const [entry] = await queue.take(1, 100);
    await queue.settle(entry, outcomeOf('invalid', entry.raw, ''), { clearsAttempt: false });
    expect(await streamEntries(names.deadLetterStream)).toEqual([expect.objectContaining({ signal_id: '', signal: '{"other":"x"}', outcome: 'invalid' })]);
  });

  it('fails settle whole, with a cause, when Redis refuses the outcome entry: nothing acknowledged, nothing recorded', async () => {
    const queue = streamQueue();
    await queue.start();
    await addSignal(signalJson('sig-1'));
    const [entry] = await queue.take(1, 100);
    await queue.beginAttempt(entry, { signalId: 'sig-1', engine: 'lean_self_hosted', first: true });
    await redis.set(names.eventsStream, 'not a stream any more');
    const failure = queue.settle(entry, outcomeOf('executed', entry.raw), { clearsAttempt: true });
    await expect(failure).rejects.toThrow(/Could not record the executed outcome of signal "sig-1"/);
    await expect(failure).rejects.toHaveProperty('cause');
    expect(await pendingCount()).toBe(1);
    expect(await redis.exists(dedupKey(names.stream, 'sig-1'))).toBe(0);
    expect(await redis.exists(attemptKey(names.stream, 'sig-1'))).toBe(1);
  });
});

describe('stream queue: attempt records', () => {
  it('keeps the engine, the epoch and the Redis time of the send, as long as a dedup record', async () => {
    const queue = streamQueue();
    await queue.start();
    await addSignal(signalJson('sig-1'));
    const [entry] = await queue.take(1, 100);
    const [seconds, micros] = await redis.time();
    const go = await queue.beginAttempt(entry, { signalId: 'sig-1', engine: 'nautilus_trader', first: true });
    const redisNow = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    expect(go.kind).toBe('go');
    const record = await redis.hgetall(attemptKey(names.stream, 'sig-1'));
    expect(record).toEqual({ engine: 'nautilus_trader', epoch: '3', sent_at: expect.any(String) });
    expect(Math.abs(Number(record.sent_at) - redisNow)).toBeLessThan(1000);
    if (go.kind === 'go') expect(go.sentAt).toBe(Number(record.sent_at));
    const ttl = await redis.pttl(attemptKey(names.stream, 'sig-1'));
    expect(ttl).toBeGreaterThan((DEDUP_TTL_SECONDS - 60) * 1000);
  });

  it('resets the idle time of the entry, so that a takeover counts from the send and not from the read', async () => {
    const queue = streamQueue();
    await queue.start();
    await addSignal(signalJson('sig-1'));
    const [entry] = await queue.take(1, 100);
    // The entry waited in its symbol's lane before being sent.
    await expect.poll(async () => idleOf(entry.id), { timeout: 3000 }).toBeGreaterThanOrEqual(300);
    await queue.beginAttempt(entry, { signalId: 'sig-1', engine: 'lean_self_hosted', first: true });
    expect(await idleOf(entry.id)).toBeLessThan(200);
    const [[, , , deliveries]] = (await redis.xpending(names.stream, names.group, '-', '+', 1)) as [string, string, number, number][];
    expect(deliveries).toBe(1);
  });

  it('reports an attempt record of the earlier format (the engine alone) with no send time to trust', async () => {
    const queue = streamQueue();
    await queue.start();
    await addSignal(signalJson('sig-1'));
    const [entry] = await queue.take(1, 100);
    await redis.set(attemptKey(names.stream, 'sig-1'), 'quanttrader_pybroker');
    const seen = await queue.beginAttempt(entry, { signalId: 'sig-1', engine: 'lean_self_hosted', first: true });
    expect(seen).toMatchObject({ kind: 'unsettled', engine: 'quanttrader_pybroker', epoch: 0 });
    if (seen.kind === 'unsettled') expect(seen.sentAt).toBe(seen.now);
  });

  it('writes nothing for an entry another consumer holds now', async () => {
    const queue = streamQueue();
    await queue.start();
    await addSignal(signalJson('sig-1'));
    const [entry] = await queue.take(1, 100);
    await redis.xclaim(names.stream, names.group, 'host-b:8001', 0, entry.id);
    expect(await queue.beginAttempt(entry, { signalId: 'sig-1', engine: 'lean_self_hosted', first: true })).toEqual({ kind: 'lost', reason: 'not_owner' });
    expect(await redis.exists(attemptKey(names.stream, 'sig-1'))).toBe(0);
  });

  it('does not send before REDIS_MIN_REPLICAS replicas confirmed the record: this Redis has none', async () => {
    const queue = streamQueue({ replicas: { minReplicas: 1, timeoutMs: 100 } });
    await queue.start();
    await addSignal(signalJson('sig-1'));
    const [entry] = await queue.take(1, 100);
    const started = Date.now();
    expect(await queue.beginAttempt(entry, { signalId: 'sig-1', engine: 'lean_self_hosted', first: true })).toEqual({ kind: 'unreplicated', confirmed: 0 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
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
    await first.settle(taken[1], outcomeOf('executed', taken[1].raw, 'b'), { clearsAttempt: true });
    // The crash: the first instance never settles the others.
    await first.close();

    const second = streamQueue();
    const pending = await second.start();
    expect(pending).toEqual([taken[0], taken[2]]);
    expect(await second.take(10, 50)).toEqual([]);
    for (const [index, entry] of pending.entries()) await second.settle(entry, outcomeOf('executed', entry.raw, `left-${index}`), { clearsAttempt: true });
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

  it('returns a pending entry whose stream entry was deleted as invalid, with an empty raw text', async () => {
    const first = streamQueue();
    await first.start();
    const id = await addSignal(signalJson('a'));
    await first.take(1, 100);
    await redis.xdel(names.stream, id);
    expect(await streamQueue().start()).toEqual([{ id, raw: '', invalid: expect.stringContaining('was deleted from the stream') }]);
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
    await queue.settle(entry, outcomeOf('executed', entry.raw), { clearsAttempt: true });
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
    expect(await dead.settle(entry, outcomeOf('executed', raw), { clearsAttempt: true })).toBe('not_owner');
    expect(await streamEntries(names.eventsStream)).toEqual([]);
    expect(await successor.settle(entry, outcomeOf('executed', raw), { clearsAttempt: true })).toBe('settled');
    expect(await streamEntries(names.eventsStream)).toHaveLength(1);
    expect(await pendingCount()).toBe(0);
  });

  it('takes nothing over for a term that lost the lease', async () => {
    const dead = streamQueue({ consumer: 'old-leader' });
    const former = streamQueue({ consumer: 'former-leader' });
    await dead.start();
    await former.start();
    await addSignal(signalJson('sig-1'));
    await dead.take(10, 100);
    await redis.set(fence.leaseKey, 'a-newer-term');
    expect(await former.reclaim(0)).toEqual([]);
    const owners = (await redis.xpending(names.stream, names.group, '-', '+', 10)) as [string, string, number, number][];
    expect(owners.map(([, owner]) => owner)).toEqual(['old-leader']);
  });

  it('keeps about OUTCOME_STREAM_MAXLEN outcome entries when it is set', async () => {
    const queue = streamQueue({ outcomeMaxLen: 10 });
    await queue.start();
    for (let index = 0; index < 300; index++) await addSignal(signalJson(`m${index}`));
    const taken = await queue.take(300, 100);
    await Promise.all(taken.map((entry, index) => queue.settle(entry, outcomeOf('duplicate', entry.raw, `m${index}`), { clearsAttempt: false })));
    // Redis trims whole nodes (~): far fewer than 300 are left, and never fewer than the cap.
    const length = await redis.xlen(names.eventsStream);
    expect(length).toBeGreaterThanOrEqual(10);
    expect(length).toBeLessThan(300);
    expect(await pendingCount()).toBe(0);
  });
});
