/**
 * Removing consumers of the signal group that are gone (`CONSUMER_IDLE_REMOVE_SECONDS`): a consumer
 * name is `<hostname>:<PORT>` by default, so every new host or port adds one to the group, and Redis
 * keeps it for good. The check and the removal are one lease-checked script
 * (`src/redis/scripts/removeIdleConsumers.lua`): only consumers with nothing pending, idle at least
 * that long, never this one, and never by a term that lost the lease.
 */
import type { Redis } from 'ioredis';
import { withScripts } from '../redis/commands.js';
import type { TermFence } from './queue.js';

/** How often the group is swept at most: removal is housekeeping, not worth a call every reclaim. */
export const SWEEP_INTERVAL_MS = 60_000;

/** What a sweep needs. */
export interface IdleConsumerSweepOptions {
  readonly redis: Redis;
  readonly stream: string;
  readonly group: string;
  /** This consumer: never removed. */
  readonly consumer: string;
  readonly fence: TermFence;
  /** `CONSUMER_IDLE_REMOVE_SECONDS` in milliseconds. */
  readonly idleMs: number;
  /** The clock the interval is measured on; default `Date.now`. */
  readonly now?: () => number;
}

/**
 * A sweep to run on every reclaim: it removes at most every {@link SWEEP_INTERVAL_MS} (or half the
 * idle time, when that is shorter) and answers the names removed, [] when it did not run.
 */
export function idleConsumerSweep(options: IdleConsumerSweepOptions): () => Promise<string[]> {
  const redis = withScripts(options.redis);
  const now = options.now ?? Date.now;
  const idleMs = Math.max(0, Math.floor(options.idleMs));
  const interval = Math.min(SWEEP_INTERVAL_MS, idleMs / 2);
  let last = -Infinity;
  return async () => {
    if (now() - last < interval) return [];
    last = now();
    let removed: unknown;
    try {
      removed = await redis.efRemoveIdleConsumers(options.fence.leaseKey, options.stream, options.fence.token, options.group, options.consumer, idleMs);
    } catch (error) {
      throw new Error(`Could not remove idle consumers of group "${options.group}" on stream "${options.stream}"`, { cause: error });
    }
    return Array.isArray(removed) ? removed.filter((name): name is string => typeof name === 'string') : [];
  };
}
