import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { processingKey } from '../../src/signals/keys.js';
import { createListQueue } from '../../src/signals/listQueue.js';
import { createMemoryQueue } from '../../src/signals/memoryQueue.js';
import type { SignalQueue } from '../../src/signals/queue.js';
import { createStreamQueue } from '../../src/signals/streamQueue.js';
import { deleteKeys, testRedisUrl, uniquePrefix } from '../helpers/redis.js';

// When the policy pauses, the manager interrupts the read that waits for the next signal, so that a
// signal arriving while paused stays in the queue instead of being taken.

let prefix: string;
let connectionName: string;
let redis: Redis;
let queue: SignalQueue;

beforeEach(() => {
  prefix = uniquePrefix();
  // The queue's blocking connection duplicates this one, name included: CLIENT LIST finds it by name.
  connectionName = `qi${prefix.replace(/:/g, '-')}`;
  redis = new Redis(testRedisUrl(), { connectionName });
});

afterEach(async () => {
  await queue.close();
  await deleteKeys(redis, prefix);
  await redis.quit();
});

const destinations = () => ({ eventsStream: `${prefix}events`, deadLetterStream: `${prefix}dead`, dedupTtlSeconds: 60 });

describe.each([
  {
    kind: 'stream',
    make: () => createStreamQueue({ redis, stream: `${prefix}signals`, group: 'g', consumer: 'c', ...destinations() }),
    push: (raw: string) => redis.xadd(`${prefix}signals`, '*', 'signal', raw),
    taken: async () => Number((await redis.xpending(`${prefix}signals`, 'g'))[0]),
  },
  {
    kind: 'list',
    make: () => createListQueue({ redis, list: `${prefix}signals`, ...destinations() }),
    push: (raw: string) => redis.lpush(`${prefix}signals`, raw),
    taken: () => redis.llen(processingKey(`${prefix}signals`)),
  },
])('$kind queue interrupt()', ({ make, push, taken }) => {
  it('ends a waiting take at once, and what arrives afterwards stays in the queue', async () => {
    queue = make();
    await queue.start();
    const startedAt = Date.now();
    const waiting = queue.take(5, 10_000);
    // Let the blocking read reach the server before interrupting it.
    const blockedRead = new RegExp(`name=${connectionName} .*cmd=(xreadgroup|blmove)`);
    await expect.poll(async () => String(await redis.client('LIST')).split('\n').some((line) => blockedRead.test(line)), { timeout: 5000 }).toBe(true);
    queue.interrupt();
    expect(await waiting).toEqual([]);
    expect(Date.now() - startedAt).toBeLessThan(5000);
    await push('{"signal_id":"late"}');
    expect(await taken()).toBe(0);
    expect(await queue.depth()).toBe(1);
    // Later reads work as usual.
    const next = await queue.take(5, 1000);
    expect(next.map((entry) => entry.raw)).toEqual(['{"signal_id":"late"}']);
  });
});

describe('memory queue interrupt()', () => {
  it('ends a waiting take with nothing', async () => {
    const memory = createMemoryQueue();
    queue = memory;
    const waiting = memory.take(5, 60_000);
    memory.interrupt();
    expect(await waiting).toEqual([]);
    memory.push('x');
    expect(await memory.depth()).toBe(1);
  });
});
