/**
 * Makes `npm test` self-sufficient: uses the Redis at REDIS_URL (default 127.0.0.1:6379) when it
 * answers, else starts a private `redis-server` on a free port for the run and stops it after.
 */
import type { TestProject } from 'vitest/node';
import { pingRedis, startPrivateRedis, type PrivateRedis } from './redisServer.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

let privateRedis: PrivateRedis | undefined;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const shared = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (await pingRedis(shared)) {
    project.provide('redisUrl', shared);
  } else {
    privateRedis = await startPrivateRedis();
    project.provide('redisUrl', privateRedis.url);
  }
  return async () => {
    await privateRedis?.stop();
  };
}
