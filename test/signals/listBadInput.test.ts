/**
 * The list queue and bad input a hostile producer pushes: items far larger than 64 KiB are read
 * bounded, yet removed with their outcome, exactly that item, although the service never keeps
 * the text LREM would need (the settle script finds them by length and SHA-1); bytes that are not
 * UTF-8 are removed by their bytes. (What every queue kind does with bad bytes is in the
 * conformance suite.) Bytes are counted on the queue's own sockets.
 */
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { processingKey } from '../../src/signals/keys.js';
import { createListQueue } from '../../src/signals/listQueue.js';
import type { Outcome } from '../../src/signals/outcome.js';
import type { QueuedSignal, SignalQueue, TermFence } from '../../src/signals/queue.js';
import { MAX_SIGNAL_BYTES } from '../../src/signals/signal.js';
import { deleteKeys, testRedisUrl, uniquePrefix } from '../support/redis.js';

const MIB = 1024 * 1024;
const PER_ITEM_SLACK = 1024;

let prefix: string;
let producer: Redis;
let shared: Redis;
let blocking: Redis;
let queues: SignalQueue[];
let names: { list: string; eventsStream: string; deadLetterStream: string };
let processing: string;
let fence: TermFence;

beforeEach(async () => {
  prefix = uniquePrefix();
  producer = new Redis(testRedisUrl());
  shared = new Redis(testRedisUrl());
  blocking = new Redis(testRedisUrl());
  queues = [];
  names = { list: `${prefix}signals`, eventsStream: `${prefix}events`, deadLetterStream: `${prefix}dead` };
  processing = processingKey(names.list);
  fence = { leaseKey: `${prefix}leader`, token: 'this-term', epoch: 5 };
  await producer.set(fence.leaseKey, fence.token);
});

afterEach(async () => {
  await Promise.all(queues.map((queue) => queue.close()));
  await deleteKeys(producer, prefix);
  shared.disconnect();
  blocking.disconnect();
  await producer.quit();
});

function listQueue(): SignalQueue {
  const queue = createListQueue({ redis: shared, blockingRedis: blocking, ...names, dedupTtlSeconds: 600, fence });
  queues.push(queue);
  return queue;
}

function invalidOutcome(entry: QueuedSignal): Outcome {
  return { signalId: '', outcome: 'invalid', engine: null, attempts: 0, reason: entry.invalid ?? '', signal: entry.raw, at: Date.now() };
}

/** Each item of the processing list as its length and SHA-1, left to right. */
async function processingDigests(): Promise<string[]> {
  const items = await producer.lrangeBuffer(processing, 0, -1);
  return items.map((item) => `${item.length}:${createHash('sha1').update(item).digest('hex')}`);
}

function digestOf(text: string | Buffer): string {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  return `${bytes.length}:${createHash('sha1').update(bytes).digest('hex')}`;
}

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

/** Oversized items that agree on their first 64 KiB and differ after it. */
function lookalikes(count: number): string[] {
  const start = `{"signal_id":"big","risk_meta":"${'m'.repeat(MAX_SIGNAL_BYTES)}`;
  return Array.from({ length: count }, (_, index) => `${start}${String(index).repeat(100)}"}`);
}

describe('list queue: items larger than 64 KiB', () => {
  it('removes exactly the item settled, among copies and look-alikes that differ only past 64 KiB', async () => {
    const queue = listQueue();
    await queue.start();
    const [a, b, c] = lookalikes(3);
    if (a === undefined || b === undefined || c === undefined) throw new Error('expected three items');
    // Oldest first: a, b, a, c.
    for (const item of [a, b, a, c]) await producer.lpush(names.list, item);
    const taken = await queue.take(10, 0);
    expect(taken).toHaveLength(4);
    const [firstA, onlyB, secondA, onlyC] = taken;
    if (firstA === undefined || onlyB === undefined || secondA === undefined || onlyC === undefined) throw new Error('expected four entries');
    expect(await queue.settle(onlyB, invalidOutcome(onlyB), { clearsAttempt: false })).toBe('settled');
    expect((await processingDigests()).sort()).toEqual([a, a, c].map(digestOf).sort());
    expect(await queue.settle(secondA, invalidOutcome(secondA), { clearsAttempt: false })).toBe('settled');
    expect((await processingDigests()).sort()).toEqual([a, c].map(digestOf).sort());
    expect(await queue.settle(onlyC, invalidOutcome(onlyC), { clearsAttempt: false })).toBe('settled');
    expect(await processingDigests()).toEqual([digestOf(a)]);
    expect(await queue.settle(firstA, invalidOutcome(firstA), { clearsAttempt: false })).toBe('settled');
    expect(await producer.llen(processing)).toBe(0);
    // Settled once: a second settle finds no item of that length and digest left.
    expect(await queue.settle(firstA, invalidOutcome(firstA), { clearsAttempt: false })).toBe('not_owner');
    expect(await producer.xlen(names.deadLetterStream)).toBe(4);
  });

  it('reads a backlog of 3 MiB items, and the processing list at a restart, with replies of at most 64 KiB and a little per item', async () => {
    const queue = listQueue();
    await queue.start();
    const big = `{"signal_id":"big","risk_meta":"${'m'.repeat(3 * MIB)}"}`;
    for (let index = 0; index < 8; index++) await producer.lpush(names.list, big);
    const { result: taken, bytes } = await bytesReadDuring(shared, () => queue.take(32, 0));
    expect(taken).toHaveLength(8);
    expect(bytes).toBeLessThan(8 * (MAX_SIGNAL_BYTES + PER_ITEM_SLACK));
    expect(taken.every((entry) => entry.raw === big.slice(0, MAX_SIGNAL_BYTES) && entry.invalid?.includes(`${big.length} bytes`) === true)).toBe(true);
    const next = listQueue();
    const { result: leftOver, bytes: restartBytes } = await bytesReadDuring(shared, () => next.start());
    expect(leftOver).toHaveLength(8);
    expect(restartBytes).toBeLessThan(8 * (MAX_SIGNAL_BYTES + PER_ITEM_SLACK));
    for (const entry of leftOver) expect(await next.settle(entry, invalidOutcome(entry), { clearsAttempt: false })).toBe('settled');
    expect(await producer.llen(processing)).toBe(0);
  });

  it('receives one whole item at most while it waits, and removes it by its digest too', async () => {
    const queue = listQueue();
    await queue.start();
    const big = `{"signal_id":"big","risk_meta":"${'m'.repeat(3 * MIB)}"}`;
    const sharedBefore = shared.stream.bytesRead;
    const { result: taken, bytes } = await bytesReadDuring(blocking, async () => {
      const taking = queue.take(32, 10_000);
      await untilBlocked();
      await producer.lpush(names.list, big, big, big);
      return taking;
    });
    expect(taken).toHaveLength(3);
    expect(bytes).toBeLessThan(big.length + 4 * 1024);
    expect(shared.stream.bytesRead - sharedBefore).toBeLessThan(3 * (MAX_SIGNAL_BYTES + PER_ITEM_SLACK));
    for (const entry of taken) expect(await queue.settle(entry, invalidOutcome(entry), { clearsAttempt: false })).toBe('settled');
    expect(await producer.llen(processing)).toBe(0);
  });

  it('takes over oversized items another leader left in the processing list, and settles them', async () => {
    const [a, b] = lookalikes(2);
    if (a === undefined || b === undefined) throw new Error('expected two items');
    // Moved there by a former leader whose read was under way when its lease ran out.
    await producer.lpush(processing, a, b, a);
    const queue = listQueue();
    expect(await queue.take(1, 0)).toEqual([]);
    // Seen on two reclaims in a row: then they are no take of this queue in progress.
    expect(await queue.reclaim(0)).toEqual([]);
    const claimed = await queue.reclaim(0);
    expect(claimed).toHaveLength(3);
    for (const entry of claimed) expect(await queue.settle(entry, invalidOutcome(entry), { clearsAttempt: false })).toBe('settled');
    expect(await producer.llen(processing)).toBe(0);
  });
});

describe('list queue: bytes that are not UTF-8', () => {
  it('removes such an item by its bytes, not by a text that would differ from them', async () => {
    const queue = listQueue();
    await queue.start();
    const latin1 = Buffer.from('{"signal_id":"caf\xe9","symbol":"AAPL"}', 'latin1');
    const mangled = Buffer.from('{"signal_id":"caf\ufffd","symbol":"AAPL"}', 'utf8');
    await producer.lpush(names.list, latin1);
    await producer.lpush(names.list, mangled);
    const [bad, replaced] = await queue.take(2, 0);
    if (bad === undefined || replaced === undefined) throw new Error('expected two entries');
    expect(bad.invalid).toContain('not valid UTF-8');
    // A real U+FFFD is text like any other: parsed, not refused here.
    expect(replaced).toEqual({ id: expect.any(String), raw: mangled.toString('utf8') });
    expect(await queue.settle(bad, invalidOutcome(bad), { clearsAttempt: false })).toBe('settled');
    expect(await producer.lrangeBuffer(processing, 0, -1)).toEqual([mangled]);
  });
});
