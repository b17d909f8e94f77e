/**
 * What Redis remembers per signal id, shared by the stream and the list queue: whether it was
 * executed (dedup) and which engine it was last sent to (the attempt record).
 */
import type { Redis } from 'ioredis';
import { isEngineId } from '../../machines/engines.js';
import { attemptKey, dedupKey } from './keys.js';
import type { SignalQueue } from './queue.js';
import { redisScript } from './redisScript.js';

/** The per-signal records of one queue. */
export type SignalRecords = Pick<SignalQueue, 'wasExecuted' | 'beginAttempt'>;

/**
 * Before an attempt, in one round trip: executed already? sent before without an outcome (first
 * attempt only)? Otherwise record the engine it goes to now.
 * KEYS: dedup key, attempt key. ARGV: engine, '1' on the first attempt, TTL ms.
 */
const BEGIN_ATTEMPT = redisScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 'executed' end
if ARGV[2] == '1' then
  local previous = redis.call('GET', KEYS[2])
  if previous then return 'unsettled:' .. previous end
end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[3])
return 'go'
`);

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
    async beginAttempt(signalId, engine, first) {
      let answer: unknown;
      try {
        answer = await BEGIN_ATTEMPT(redis, 2, dedupKey(queueName, signalId), attemptKey(queueName, signalId), engine, first ? '1' : '0', ttlMs);
      } catch (error) {
        throw new Error(`Could not record the attempt of signal "${signalId}" on ${engine}`, { cause: error });
      }
      if (answer === 'executed') return { kind: 'executed' };
      if (typeof answer === 'string' && answer.startsWith('unsettled:')) {
        const previous = answer.slice('unsettled:'.length);
        // A record this version cannot read names no engine to ask: treat the attempt as new.
        if (isEngineId(previous)) return { kind: 'unsettled', engine: previous };
      }
      return { kind: 'go' };
    },
  };
}
