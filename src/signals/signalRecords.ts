/**
 * What Redis remembers per signal id, shared by the stream and the list queue: whether it was
 * executed (dedup) and which engine it was last sent to (the attempt record).
 */
import type { Redis } from 'ioredis';
import { isEngineId, type EngineId } from '../../machines/engines.js';
import { attemptKey, dedupKey } from './keys.js';
import type { SignalQueue } from './queue.js';

/** The per-signal records of one queue. */
export type SignalRecords = Pick<SignalQueue, 'wasExecuted' | 'lastAttempt' | 'noteAttempt'>;

/** Records under `queueName`; attempt records live as long as dedup records. */
export function createSignalRecords(redis: Redis, queueName: string, ttlMs: number): SignalRecords {
  return {
    async wasExecuted(signalId) {
      try {
        return (await redis.exists(dedupKey(queueName, signalId))) === 1;
      } catch (error) {
        throw new Error(`Could not look up whether signal "${signalId}" was already executed`, { cause: error });
      }
    },
    async lastAttempt(signalId) {
      let engine: string | null;
      try {
        engine = await redis.get(attemptKey(queueName, signalId));
      } catch (error) {
        throw new Error(`Could not read the attempt record of signal "${signalId}"`, { cause: error });
      }
      return isEngineId(engine) ? engine : null;
    },
    async noteAttempt(signalId: string, engine: EngineId) {
      try {
        await redis.set(attemptKey(queueName, signalId), engine, 'PX', ttlMs);
      } catch (error) {
        throw new Error(`Could not record the attempt of signal "${signalId}" on ${engine}`, { cause: error });
      }
    },
  };
}
