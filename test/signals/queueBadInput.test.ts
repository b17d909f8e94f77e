/**
 * The stream and list queues and bad input a hostile producer writes (contract section 3): items
 * far larger than 64 KiB, of which no read brings more than a bounded number of bytes into the
 * process, whether read from a backlog, at a restart, while waiting or from a former leader, and
 * which are still settled. Then what each kind has of its own: the stream's entries without a
 * signal field, the list's removal of exactly the item settled (the service never keeps the text
 * LREM would need; the settle script finds items by length and SHA-1). (What every queue kind does
 * with bad bytes is in the conformance suite.) Bytes are counted on the queue's own sockets.
 */
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { processingKey } from '../../src/signals/keys.js';
import { createListQueue } from '../../src/signals/listQueue.js';
import type { Outcome } from '../../src/signals/outcome.js';
import type { QueuedSignal, SignalQueue, TermFence } from '../../src/signals/queue.js';
import { MAX_SIGNAL_BYTES } from '../../src/signals/signal.js';
import { ENTRY_BOUNDS } from '../../src/signals/streamEntry.js';
import { createStreamQueue } from '../../src/signals/streamQueue.js';
import { deleteKeys, testRedisUrl, uniquePrefix } from '../support/redis.js';

const MIB = 1024 * 1024;
/** What a read may bring per item beyond its 64 KiB: ids, lengths, the reply's framing. */
const PER_ITEM_SLACK = 1024;
const BOUNDED = MAX_SIGNAL_BYTES + PER_ITEM_SLACK;
const BIG = `{"signal_id":"big","risk_meta":"${'m'.repeat(3 * MIB)}"}`;
const GROUP = 'execution-manager';

let prefix: string;
let producer: Redis;
let shared: Redis;
let blocking: Redis;
let queues: SignalQueue[];
let queueName: string;
let names: { eventsStream: string; deadLetterStream: string };
let fence: TermFence;

beforeEach(async () => {
  prefix = uniquePrefix();
  producer = new Redis(testRedisUrl());
  shared = new Redis(testRedisUrl());
  blocking = new Redis(testRedisUrl());
  queues = [];
  queueName = `${prefix}signals`;
  names = { eventsStream: `${prefix}events`, deadLetterStream: `${prefix}dead` };
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

/** What the shared tests do to one queue kind. */
interface QueueKind {
  readonly kind: 'stream' | 'list';
  /** A queue on the test's keys; another call is a restart (or, with `consumer`, another instance). */
  queue(consumer?: string): SignalQueue;
  /** Queues the items at once, oldest first, as one producer's write. */
  produce(items: readonly (string | Buffer)[]): Promise<void>;
  /** How many items are taken and not settled. */
  inFlight(): Promise<number>;
  /** Leaves `count` copies of BIG taken by a leader that died, and answers its successor's queue, whose next reclaim takes them over. */
  abandon(count: number): Promise<SignalQueue>;
}

function kept(queue: SignalQueue): SignalQueue {
  queues.push(queue);
  return queue;
}

const streamKind: QueueKind = {
  kind: 'stream',
  queue: (consumer = 'host-a:8001') =>
    kept(createStreamQueue({ redis: shared, blockingRedis: blocking, ...names, stream: queueName, group: GROUP, consumer, dedupTtlSeconds: 600, fence })),
  async produce(items) {
    const arrival = producer.multi();
    for (const item of items) arrival.xadd(queueName, '*', 'signal', item);
    await arrival.exec();
  },
  // XPENDING's summary starts with the count of entries read and not acknowledged.
  inFlight: async () => Number((await producer.xpending(queueName, GROUP))[0]),
  async abandon(count) {
    const dead = streamKind.queue('dead-leader');
    const successor = streamKind.queue('new-leader');
    await dead.start();
    await successor.start();
    await streamKind.produce(Array.from({ length: count }, () => BIG));
    await dead.take(10, 0);
    return successor;
  },
};

const listKind: QueueKind = {
  kind: 'list',
  queue: () => kept(createListQueue({ redis: shared, blockingRedis: blocking, ...names, list: queueName, dedupTtlSeconds: 600, fence })),
  async produce(items) {
    await producer.lpush(queueName, ...items);
  },
  inFlight: () => producer.llen(processingKey(queueName)),
  async abandon(count) {
    // Moved there by a former leader whose read was under way when its lease ran out.
    await producer.lpush(processingKey(queueName), ...Array.from({ length: count }, () => BIG));
    const queue = listKind.queue();
    expect(await queue.take(1, 0)).toEqual([]);
    // Taken over once seen on two reclaims in a row: then they are no take of this queue in progress.
    expect(await queue.reclaim(0)).toEqual([]);
    return queue;
  },
};

function invalidOutcome(entry: QueuedSignal): Outcome {
  return { signalId: '', outcome: 'invalid', engine: null, attempts: 0, reason: entry.invalid ?? '', signal: entry.raw, at: Date.now() };
}

/** Settles every entry on `queue` as invalid; each must settle. */
async function settleAll(queue: SignalQueue, entries: readonly QueuedSignal[]): Promise<void> {
  for (const entry of entries) expect(await queue.settle(entry, invalidOutcome(entry), { clearsAttempt: false })).toBe('settled');
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
    if (/ flags=b /.test(String(await producer.client('LIST', 'ID', id)))) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error('the queue never blocked');
}

describe.each([streamKind, listKind].map((kind) => [kind.kind, kind] as const))('%s queue: items far larger than 64 KiB', (_name, kind) => {
  it('reads a backlog of 3 MiB items, and what was taken at a restart, with replies of at most 64 KiB and a little per item', async () => {
    const queue = kind.queue();
    await queue.start();
    await kind.produce(Array.from({ length: 10 }, () => BIG));
    const { result: taken, bytes } = await bytesReadDuring(shared, () => queue.take(32, 0));
    expect(taken).toHaveLength(10);
    expect(bytes).toBeLessThan(10 * BOUNDED);
    for (const entry of taken) {
      expect(entry.raw).toBe(BIG.slice(0, MAX_SIGNAL_BYTES));
      expect(entry.invalid).toContain(`${Buffer.byteLength(BIG)} bytes`);
    }
    const next = kind.queue();
    const { result: leftOver, bytes: restartBytes } = await bytesReadDuring(shared, () => next.start());
    expect(leftOver).toHaveLength(10);
    expect(restartBytes).toBeLessThan(10 * BOUNDED);
    await settleAll(next, leftOver);
    expect(await kind.inFlight()).toBe(0);
  });

  it('receives one whole item at most while it waits, and the rest of the batch bounded by the next take', async () => {
    const queue = kind.queue();
    await queue.start();
    const sharedBefore = shared.stream.bytesRead;
    const { result: taken, bytes } = await bytesReadDuring(blocking, async () => {
      const taking = queue.take(32, 10_000);
      await untilBlocked();
      await kind.produce(Array.from({ length: 5 }, () => BIG));
      const first = await taking;
      expect(first).toHaveLength(1);
      return [...first, ...(await queue.take(32, 10_000))];
    });
    expect(taken).toHaveLength(5);
    expect(bytes).toBeLessThan(Buffer.byteLength(BIG) + 4 * 1024);
    expect(shared.stream.bytesRead - sharedBefore).toBeLessThan(5 * BOUNDED);
    expect(taken.every((entry) => entry.invalid?.includes('64 KiB') === true)).toBe(true);
    await settleAll(queue, taken);
    expect(await kind.inFlight()).toBe(0);
  });

  it("takes over a dead leader's oversized items bounded as well, and settles them", async () => {
    const successor = await kind.abandon(4);
    const { result: claimed, bytes } = await bytesReadDuring(shared, () => successor.reclaim(0));
    expect(claimed).toHaveLength(4);
    expect(bytes).toBeLessThan(4 * BOUNDED);
    expect(claimed.every((entry) => Buffer.byteLength(entry.raw) === MAX_SIGNAL_BYTES)).toBe(true);
    await settleAll(successor, claimed);
    expect(await kind.inFlight()).toBe(0);
  });

  it('puts a 64 KiB dead-letter entry, not 30 MiB, for a 30 MiB signal', async () => {
    const queue = kind.queue();
    await queue.start();
    await kind.produce([Buffer.alloc(30 * MIB, 'q')]);
    const [entry] = await queue.take(1, 0);
    if (entry === undefined) throw new Error('expected the entry');
    await settleAll(queue, [entry]);
    const [[, fields]] = (await producer.xrange(names.deadLetterStream, '-', '+')) as [string, string[]][];
    expect(fields.reduce((total, field) => total + Buffer.byteLength(field), 0)).toBeLessThan(MAX_SIGNAL_BYTES + 1024);
    expect(await kind.inFlight()).toBe(0);
  });
});

describe('stream queue: an entry without a signal field', () => {
  it('is invalid, the reason naming the field, its fields (repeats, bytes that are not UTF-8) as a JSON object', async () => {
    const queue = streamKind.queue();
    await queue.start();
    await producer.xadd(queueName, '*', 'payload', '{"signal_id":"x"}', 'source', 'nae-7', 'source', 'again', 'blob', Buffer.from([0xff, 0x00]));
    const [entry] = await queue.take(1, 0);
    expect(entry?.invalid).toMatch(/no "signal" field/);
    expect(entry?.raw).toBe('{"payload":"{\\"signal_id\\":\\"x\\"}","source":"nae-7","source":"again","blob":"base64:/wA="}');
    if (entry === undefined) return;
    await settleAll(queue, [entry]);
    const [[, fields]] = (await producer.xrange(names.deadLetterStream, '-', '+')) as [string, string[]][];
    expect(fields).toContain(entry.raw);
  });

  it('shows at most 16 fields, names and values cut on a character boundary, and says so; the rendering stays under 64 KiB', async () => {
    const queue = streamKind.queue();
    await queue.start();
    const fields: string[] = [];
    // Control characters: the worst case for JSON escaping (six characters a byte).
    for (let index = 0; index < 40; index++)
      fields.push(`${'\u0001'.repeat(ENTRY_BOUNDS.nameBytes - 2)}${String(index).padStart(2, '0')}x`, '\u0002'.repeat((2 * MIB) / 1024));
    fields.push('euro', `${'e'.repeat(ENTRY_BOUNDS.valueBytes - 1)}\u20ac`);
    await producer.xadd(queueName, '*', ...fields);
    await producer.xadd(queueName, '*', 'euro', `${'e'.repeat(ENTRY_BOUNDS.valueBytes - 1)}\u20ac`);
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

/** An item's length and SHA-1: what the list's settle script finds it by. */
function digestOf(item: string | Buffer): string {
  const bytes = typeof item === 'string' ? Buffer.from(item) : item;
  return `${bytes.length}:${createHash('sha1').update(bytes).digest('hex')}`;
}

/** Each item of the processing list by its digest, left to right. */
async function processingDigests(): Promise<string[]> {
  return (await producer.lrangeBuffer(processingKey(queueName), 0, -1)).map(digestOf);
}

describe('list queue: removing exactly the item settled', () => {
  it('among copies and look-alikes that differ only past 64 KiB', async () => {
    const queue = listKind.queue();
    await queue.start();
    const start = `{"signal_id":"big","risk_meta":"${'m'.repeat(MAX_SIGNAL_BYTES)}`;
    const [a, b, c] = ['0', '1', '2'].map((tail) => `${start}${tail.repeat(100)}"}`);
    if (a === undefined || b === undefined || c === undefined) throw new Error('expected three items');
    // Oldest first: a, b, a, c.
    for (const item of [a, b, a, c]) await producer.lpush(queueName, item);
    const taken = await queue.take(10, 0);
    expect(taken).toHaveLength(4);
    const [firstA, onlyB, secondA, onlyC] = taken;
    if (firstA === undefined || onlyB === undefined || secondA === undefined || onlyC === undefined) throw new Error('expected four entries');
    await settleAll(queue, [onlyB]);
    expect((await processingDigests()).sort()).toEqual([a, a, c].map(digestOf).sort());
    await settleAll(queue, [secondA]);
    expect((await processingDigests()).sort()).toEqual([a, c].map(digestOf).sort());
    await settleAll(queue, [onlyC]);
    expect(await processingDigests()).toEqual([digestOf(a)]);
    await settleAll(queue, [firstA]);
    expect(await listKind.inFlight()).toBe(0);
    // Settled once: a second settle finds no item of that length and digest left.
    expect(await queue.settle(firstA, invalidOutcome(firstA), { clearsAttempt: false })).toBe('not_owner');
    expect(await producer.xlen(names.deadLetterStream)).toBe(4);
  });

  it('by its bytes when they are not UTF-8, not by a text that would differ from them', async () => {
    const queue = listKind.queue();
    await queue.start();
    const latin1 = Buffer.from('{"signal_id":"caf\xe9","symbol":"AAPL"}', 'latin1');
    const mangled = Buffer.from('{"signal_id":"caf\ufffd","symbol":"AAPL"}', 'utf8');
    await producer.lpush(queueName, latin1);
    await producer.lpush(queueName, mangled);
    const [bad, replaced] = await queue.take(2, 0);
    if (bad === undefined || replaced === undefined) throw new Error('expected two entries');
    expect(bad.invalid).toContain('not valid UTF-8');
    // A real U+FFFD is text like any other: parsed, not refused here.
    expect(replaced).toEqual({ id: expect.any(String), raw: mangled.toString('utf8') });
    await settleAll(queue, [bad]);
    expect(await producer.lrangeBuffer(processingKey(queueName), 0, -1)).toEqual([mangled]);
  });
});
