/** A Lua script run by its hash (EVALSHA), sent whole only when Redis does not know it yet. */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** Runs the script with `numberOfKeys` keys first in `args`. */
export type RedisScript = (redis: Redis, numberOfKeys: number, ...args: (string | number)[]) => Promise<unknown>;

/** A script runner for `lua`: EVALSHA, falling back to EVAL after a Redis restart or flush. */
export function redisScript(lua: string): RedisScript {
  const sha = createHash('sha1').update(lua).digest('hex');
  return async (redis, numberOfKeys, ...args) => {
    try {
      return await redis.evalsha(sha, numberOfKeys, ...args);
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('NOSCRIPT')) return redis.eval(lua, numberOfKeys, ...args);
      throw error;
    }
  };
}
