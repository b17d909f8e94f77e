/**
 * The blocking-read connection against the test Redis: an interrupt that comes before the
 * connection's id is known still ends the read, and the blocking-read options end a read that
 * would wait forever (ioredis `blockingTimeout`, for XREADGROUP and BLMOVE alike).
 */
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BLOCKING_READ_OPTIONS, createBlockingConnection, type BlockingConnection } from '../../src/signals/blockingConnection.js';
import { deleteKeys, testRedisUrl, uniquePrefix } from '../support/redis.js';

let prefix: string;
let redis: Redis;
let blocking: BlockingConnection;

beforeEach(() => {
  prefix = uniquePrefix();
  redis = new Redis(testRedisUrl());
  blocking = createBlockingConnection(redis);
});

afterEach(async () => {
  blocking.close();
  await deleteKeys(redis, prefix);
  await redis.quit();
});

describe('createBlockingConnection', () => {
  it('ends a read interrupted in the same tick it started, before its connection id is known', async () => {
    const startedAt = Date.now();
    const read = blocking.read((connection) => connection.blmove(`${prefix}in`, `${prefix}out`, 'RIGHT', 'LEFT', 10));
    blocking.interrupt();
    expect(await read).toBeNull();
    expect(Date.now() - startedAt).toBeLessThan(5000);
    // Later reads work as usual.
    await redis.lpush(`${prefix}in`, 'x');
    expect(await blocking.read((connection) => connection.blmove(`${prefix}in`, `${prefix}out`, 'RIGHT', 'LEFT', 1))).toBe('x');
  });

  it.each<[string, (connection: Redis) => Promise<unknown>]>([
    ['XREADGROUP BLOCK 0', (connection) => connection.xreadgroup('GROUP', 'g', 'c', 'BLOCK', 0, 'STREAMS', `${prefix}s`, '>')],
    ['BLMOVE 0', (connection) => connection.blmove(`${prefix}in`, `${prefix}out`, 'RIGHT', 'LEFT', 0)],
  ])('ends a %s read (blocks forever on the server) at the client-side limit', async (_name, command) => {
    await redis.xgroup('CREATE', `${prefix}s`, 'g', 0, 'MKSTREAM');
    const limited = redis.duplicate({ ...BLOCKING_READ_OPTIONS, blockingTimeout: 300 });
    const reads = createBlockingConnection(redis, limited);
    try {
      const startedAt = Date.now();
      expect(await reads.read(command)).toBeNull();
      // Not before the limit. Node counts a timer from the event loop's cached time, which can lag
      // the clock by the synchronous work since the loop last woke (299 ms was seen under load).
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(250);
    } finally {
      reads.close();
      limited.disconnect();
    }
  });
});
