/**
 * The leader lease (contract section 7): one instance holds `execution.leader` in Redis and alone
 * consumes signals and drives the policy. The holder renews well inside the lease; a holder that
 * cannot renew counts itself out before the key can expire, so two leaders never dispatch at once.
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from '../log.js';

/** The Redis command the lease uses (an ioredis client fits). */
export interface LeaseStore {
  eval(script: string, numberOfKeys: number, ...args: string[]): Promise<unknown>;
}

/** A lease this instance holds or tries to take. */
export interface LeaderLease {
  /** This instance's value under the key. */
  readonly holderId: string;
  /** True while the lease is held and certainly unexpired: the only time dispatching is allowed. */
  isHeld(): boolean;
  /** Called with true when the lease is won, false when it is lost or released. */
  onChange(listener: (held: boolean) => void): () => void;
  /** Starts trying and renewing; resolves after the first try, so the caller knows its role. */
  start(): Promise<void>;
  /** Stops renewing and deletes the key if it is still ours, so a successor need not wait. Idempotent. */
  release(): Promise<void>;
}

/** How the lease is kept. */
export interface LeaderLeaseOptions {
  readonly store: LeaseStore;
  readonly key: string;
  readonly holderId: string;
  /**
   * Whether a lease held by `holder` may be taken over at once rather than waited out: true only for
   * a holder known to be dead (this instance's previous run, whose process is gone).
   */
  readonly takeOverIf?: (holder: string) => boolean;
  /** `LEADER_LEASE_SECONDS` in ms. */
  readonly leaseMs: number;
  readonly log: Logger;
  /** Monotonic milliseconds; `performance.now` by default. */
  readonly now?: () => number;
}

// Renew three times per lease, and count the lease lost a safety margin before it could expire:
// Redis starts the TTL when it runs the command, which is after we sent it.
const RENEWALS_PER_LEASE = 3;
const SAFETY_FRACTION = 0.2;

// Sets the lease when it is free (returns 1) or when it is still held by ARGV[3], a holder known to
// be dead; otherwise returns the current holder.
const ACQUIRE = `local current = redis.call('GET', KEYS[1])
if current and current ~= ARGV[3] then return current end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;
const RENEW_IF_MINE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
const DELETE_IF_MINE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/** A lease on `key`; nothing happens until `start()`. */
export function createLeaderLease(options: LeaderLeaseOptions): LeaderLease {
  const { store, key, holderId, log } = options;
  // Redis takes whole milliseconds; the variable takes decimals of a second.
  const leaseMs = Math.max(1, Math.round(options.leaseMs));
  const now = options.now ?? (() => performance.now());
  const listeners = new Set<(held: boolean) => void>();
  let validUntil = -Infinity;
  let held = false;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let expiryTimer: NodeJS.Timeout | null = null;

  const setHeld = (value: boolean): void => {
    if (held === value) return;
    held = value;
    log.info({ key, holder: holderId }, value ? 'won the leader lease' : 'lost the leader lease');
    for (const listener of listeners) listener(value);
  };

  const armExpiry = (): void => {
    if (expiryTimer) clearTimeout(expiryTimer);
    expiryTimer = setTimeout(() => {
      if (now() >= validUntil) setHeld(false);
    }, Math.max(0, validUntil - now()) + 1);
    expiryTimer.unref();
  };

  const acquire = async (): Promise<boolean> => {
    const answer = await store.eval(ACQUIRE, 1, key, holderId, String(leaseMs), '');
    if (answer === 1) return true;
    if (typeof answer !== 'string' || !options.takeOverIf?.(answer)) return false;
    log.warn({ key, previous: answer }, 'taking over the lease of a holder that is gone');
    return (await store.eval(ACQUIRE, 1, key, holderId, String(leaseMs), answer)) === 1;
  };

  const attempt = async (): Promise<void> => {
    const sentAt = now();
    try {
      const won = held
        ? (await store.eval(RENEW_IF_MINE, 1, key, holderId, String(leaseMs))) === 1
        : await acquire();
      if (stopped) return;
      if (won) {
        validUntil = sentAt + leaseMs * (1 - SAFETY_FRACTION);
        armExpiry();
        setHeld(true);
      } else if (held) {
        // Someone else holds it (ours expired while we could not reach Redis): step down now.
        validUntil = -Infinity;
        setHeld(false);
      }
    } catch (error) {
      // Keep what we have until it runs out; the expiry timer steps down in time.
      log.warn({ err: error, key }, 'could not reach Redis for the leader lease');
    }
  };

  const loop = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      void attempt().finally(loop);
    }, leaseMs / RENEWALS_PER_LEASE);
    timer.unref();
  };

  return {
    holderId,
    isHeld: () => held && now() < validUntil,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async start() {
      await attempt();
      loop();
    },
    async release() {
      if (stopped) return;
      stopped = true;
      if (timer) clearTimeout(timer);
      if (expiryTimer) clearTimeout(expiryTimer);
      const wasHeld = held;
      setHeld(false);
      if (wasHeld) {
        try {
          await store.eval(DELETE_IF_MINE, 1, key, holderId);
        } catch (error) {
          log.warn({ err: error, key }, 'could not release the leader lease; it expires by itself');
        }
      }
    },
  };
}
