/**
 * The stream queue and bad input a hostile producer writes (contract section 3): entries without a
 * signal field, and entries far larger than 64 KiB, of which no read brings more than a bounded
 * number of bytes into the process. (What every queue kind does with bad bytes is in the
 * conformance suite.) Bytes are counted on the queue's own sockets.
 */
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Outcome } from '../../src/signals/outcome.js';
import type { QueuedSignal, SignalQueue, TermFence } from '../../src/signals/queue.js';
import { MAX_SIGNAL_BYTES } from '../../src/signals/signal.js';
import { ENTRY_BOUNDS } from '../../src/signals/streamEntry.js';
import { createStreamQueue } from '../../src/signals/streamQueue.js';
import { deleteKeys, testRedisUrl, uniquePrefix } from '../support/redis.js';

const MIB = 1024 * 1024;
/** What a read may bring per entry beyond its 64 KiB: ids, lengths, the reply's framing. */
const PER_ENTRY_SLACK = 1024;

let prefix: string;
let producer: Redis;
let shared: Redis;
let blocking: Redis;
let queues: SignalQueue[];
let names: { stream: string; eventsStream: string; deadLetterStream: string; group: string };
let fence: TermFence;

beforeEach(async () => {
  prefix = uniquePrefix();
  producer = new Redis(testRedisUrl());
  shared = new Redis(testRedisUrl());
  blocking = new Redis(testRedisUrl());
  queues = [];
  names = { stream: `${prefix}signals`, eventsStream: `${prefix}events`, deadLetterStream: `${prefix}dead`, group: 'execution-manager' };
  fence = { leaseKey: `${prefix}leader`, token: 'this-term', epoch: 3 };
  await producer.set(fence.leaseKey, fence.token);
});

afterEach(async () => {
  await Promise.all(queues.map((queue) => queue.close()));
  await deleteKeys(producer, prefix);
  shared.disconnect();
  blocking.disconnect();
  await producer.quit();
});

function streamQueue(consumer = 'host-a:8001'): SignalQueue {
  const queue = createStreamQueue({ redis: shared, blockingRedis: blocking, ...names, consumer, dedupTtlSeconds: 600, fence });
  queues.push(queue);
  return queue;
}

function invalidOutcome(entry: QueuedSignal): Outcome {
  return { signalId: '', outcome: 'invalid', engine: null, attempts: 0, reason: entry.invalid ?? '', signal: entry.raw, at: Date.now() };
}

/** Bytes `connection` received while `action` ran. */
async function bytesReadDuring<T>(connection: Redis, action: () => Promise<T>): Promise<{ result: T; bytes: number }> {
  const socket = connection.stream;
  const before = socket.bytesRead;
  const result = await action();
  return { result, bytes: socket.bytesRead - before };
}

async function untilBlocked(): Promise<void> {
  const id = await blocking.client('ID');
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const line = String(await producer.client('LIST', 'ID', id));
    if (/ flags=b /.test(line)) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error('the queue never blocked');
}

describe('stream queue: an entry without a signal field', () => {
  it('is invalid, the reason naming the field, its fields (repeats, bytes that are not UTF-8) as a JSON object', async () => {
    const queue = streamQueue();
    await queue.start();
    await producer.xadd(names.stream, '*', 'payload', '{"signal_id":"x"}', 'source', 'nae-7', 'source', 'again', 'blob', Buffer.from([0xff, 0x00]));
    const [entry] = await queue.take(1, 0);
    expect(entry?.invalid).toMatch(/no "signal" field/);
    expect(entry?.raw).toBe('{"payload":"{\\"signal_id\\":\\"x\\"}","source":"nae-7","source":"again","blob":"base64:/wA="}');
    if (entry === undefined) return;
    expect(await queue.settle(entry, invalidOutcome(entry), { clearsAttempt: false })).toBe('settled');
    const [[, fields]] = (await producer.xrange(names.deadLetterStream, '-', '+')) as [string, string[]][];
    expect(fields).toContain(entry.raw);
  });

  it('shows at most 16 fields, names and values cut on a character boundary, and says so; the rendering stays under 64 KiB', async () => {
    const queue = streamQueue();
    await queue.start();
    const fields: string[] = [];
    // Control characters: the worst case for JSON escaping (six characters a byte).
    for (let index = 0; index < 40; index++)
      fields.push(`${'\u0001'.repeat(ENTRY_BOUNDS.nameBytes - 2)}${String(index).padStart(2, '0')}x`, '\u0002'.repeat((2 * MIB) / 1024));
    fields.push('euro', `${'e'.repeat(ENTRY_BOUNDS.valueBytes - 1)}\u20ac`);
    await producer.xadd(names.stream, '*', ...fields);
    await producer.xadd(names.stream, '*', 'euro', `${'e'.repeat(ENTRY_BOUNDS.valueBytes - 1)}\u20ac`);
    const [many, euro] = await queue.take(2, 0);
    expect(many?.invalid).toContain(`only its first ${ENTRY_BOUNDS.fields} of 41 fields`);
    expect(many?.invalid).toContain(`cut to ${ENTRY_BOUNDS.nameBytes} bytes`);
    expect(many?.invalid).toContain(`cut to ${ENTRY_BOUNDS.valueBytes} bytes`);
    const shown = Object.keys(JSON.parse(many?.raw ?? '') as Record<string, string>);
    expect(shown).toHaveLength(ENTRY_BOUNDS.fields);
    expect(Buffer.byteLength(many?.raw ?? '')).toBeLessThan(MAX_SIGNAL_BYTES);
    // The euro sign straddles the cut: it is left out whole, not turned into base64 or U+FFFD.
    expect(JSON.parse(euro?.raw ?? '')).toEqual({ euro: 'e'.repeat(ENTRY_BOUNDS.valueBytes - 1) });
  });
});

describe('stream queue: entries far larger than 64 KiB', () => {
  it('reads a backlog of 3 MiB entries with replies of at most 64 KiB and a little per entry', async () => {
    const queue = streamQueue();
    await queue.start();
    const big = `{"signal_id":"big","risk_meta":"${'m'.repeat(3 * MIB)}"}`;
    for (let index = 0; index < 10; index++) await producer.xadd(names.stream, '*', 'signal', big);
    const { result: taken, bytes } = await bytesReadDuring(shared, () => queue.take(32, 0));
    expect(taken).toHaveLength(10);
    expect(bytes).toBeLessThan(10 * (MAX_SIGNAL_BYTES + PER_ENTRY_SLACK));
    for (const entry of taken) {
      expect(entry.raw).toBe(big.slice(0, MAX_SIGNAL_BYTES));
      expect(entry.invalid).toContain(`${Buffer.byteLength(big)} bytes`);
    }
    // A restart reads them from the pending list just as sparingly.
    const { result: pending, bytes: pendingBytes } = await bytesReadDuring(shared, () => streamQueue().start());
    expect(pending).toHaveLength(10);
    expect(pendingBytes).toBeLessThan(10 * (MAX_SIGNAL_BYTES + PER_ENTRY_SLACK));
  });

  it('receives one whole entry at most while it waits, and the rest of the batch bounded', async () => {
    const queue = streamQueue();
    await queue.start();
    const big = `{"signal_id":"big","risk_meta":"${'m'.repeat(3 * MIB)}"}`;
    const sharedBefore = shared.stream.bytesRead;
    const { result: taken, bytes } = await bytesReadDuring(blocking, async () => {
      const taking = queue.take(32, 10_000);
      await untilBlocked();
      const arrival = producer.multi();
      for (let index = 0; index < 5; index++) arrival.xadd(names.stream, '*', 'signal', big);
      await arrival.exec();
      return taking;
    });
    expect(taken).toHaveLength(5);
    expect(bytes).toBeLessThan(Buffer.byteLength(big) + 4 * 1024);
    expect(shared.stream.bytesRead - sharedBefore).toBeLessThan(6 * (MAX_SIGNAL_BYTES + PER_ENTRY_SLACK));
    expect(taken.every((entry) => entry.invalid?.includes('64 KiB') === true)).toBe(true);
  });

  it("takes over a dead leader's oversized entries bounded as well", async () => {
    const dead = streamQueue('dead-leader');
    const successor = streamQueue('new-leader');
    await dead.start();
    await successor.start();
    const big = `{"signal_id":"big","risk_meta":"${'m'.repeat(3 * MIB)}"}`;
    for (let index = 0; index < 4; index++) await producer.xadd(names.stream, '*', 'signal', big);
    await dead.take(10, 0);
    const { result: claimed, bytes } = await bytesReadDuring(shared, () => successor.reclaim(0));
    expect(claimed).toHaveLength(4);
    expect(bytes).toBeLessThan(4 * (MAX_SIGNAL_BYTES + PER_ENTRY_SLACK));
    expect(claimed.every((entry) => Buffer.byteLength(entry.raw) === MAX_SIGNAL_BYTES)).toBe(true);
  });

  it('puts a 64 KiB dead-letter entry, not 30 MiB, for a 30 MiB signal', async () => {
    const queue = streamQueue();
    await queue.start();
    await producer.xadd(names.stream, '*', 'signal', Buffer.alloc(30 * MIB, 'q'));
    const [entry] = await queue.take(1, 0);
    if (entry === undefined) throw new Error('expected the entry');
    expect(await queue.settle(entry, invalidOutcome(entry), { clearsAttempt: false })).toBe('settled');
    const [[, fields]] = (await producer.xrange(names.deadLetterStream, '-', '+')) as [string, string[]][];
    expect(fields.reduce((total, field) => total + Buffer.byteLength(field), 0)).toBeLessThan(MAX_SIGNAL_BYTES + 1024);
    expect(await producer.xpending(names.stream, names.group)).toEqual([0, null, null, null]);
  });
});
