/** Per-test Redis access: the URL the global setup chose, and unique key names with cleanup. */
import { randomUUID } from 'node:crypto';
import { type Redis } from 'ioredis';
import { inject } from 'vitest';

/** The Redis the test run uses. */
export function testRedisUrl(): string {
  return inject('redisUrl');
}

/** A key prefix no other test uses, such as `t:3f2a…:`. */
export function uniquePrefix(): string {
  return `t:${randomUUID().slice(0, 8)}:`;
}

/** Deletes every key under `prefix`. */
export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}
