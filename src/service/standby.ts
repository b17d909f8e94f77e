/** What a standby answers: the status from the persisted state, and readiness of the Redis it shares. */
import type { Redis } from 'ioredis';
import { initialContext } from '../../machines/policy.js';
import { sleep, systemClock, type Clock } from '../clock.js';
import type { Config } from '../config/config.js';
import { loadPolicyState } from '../policy/persistence.js';
import { statusOf, type StatusJson } from '../policy/status.js';
import { replicasConfirming } from './redisConnection.js';

/** The status a standby answers: the persisted state, or a fresh policy when there is none. */
export async function standbyStatus(redis: Redis, keys: { state: string; epoch: string }, config: Config): Promise<StatusJson> {
  const [loaded, epoch] = await Promise.all([loadPolicyState(redis, keys.state, config.policy), redis.get(keys.epoch)]);
  const state = loaded.kind === 'found' ? loaded.state : { value: 'primaryActive', context: initialContext(config.policy) };
  const leaderEpoch = epoch === null || !/^\d+$/.test(epoch) ? null : Number(epoch);
  return statusOf(state, { role: 'standby', now: Date.now(), leaderEpoch });
}

/** How long `/ready` waits for Redis to answer before it says not ready. */
const READY_ANSWER_MS = 1000;

/** `/ready`'s view of Redis: it answers, and with `REDIS_MIN_REPLICAS` enough replicas confirm writes. */
export async function redisReady(redis: Redis | null, minReplicas: number, clock: Clock = systemClock): Promise<boolean> {
  if (redis === null) return true;
  if (redis.status !== 'ready') return false;
  const answered = new AbortController();
  const timeout = sleep(clock, READY_ANSWER_MS, answered.signal).then(() => 'timeout' as const);
  try {
    if ((await Promise.race([redis.ping(), timeout])) !== 'PONG') return false;
    if (minReplicas === 0) return true;
    const confirming = await Promise.race([replicasConfirming(redis), timeout]);
    return confirming !== 'timeout' && confirming >= minReplicas;
  } catch {
    return false;
  } finally {
    answered.abort();
  }
}
