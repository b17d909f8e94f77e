/**
 * The leader lease (contract section 7): one instance holds `execution.leader` in Redis and alone
 * consumes signals and drives the policy. Each time the lease is won a leader term begins, with an
 * epoch from `execution.leader.epoch` above every earlier one; the term's token (the value under
 * the key) is what every write for a signal is checked against, in the same Redis step.
 *
 * The holder renews well inside the lease; a holder that cannot renew counts itself out before the
 * key can expire, so two leaders never dispatch at once by their own reckoning. What a frozen
 * process sends after that is refused by the lease check in Redis and, at the engines, by the
 * epoch (fencing).
 */
import { monotonicClock, sleep, type Clock } from '../clock.js';
import type { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import { withScripts } from '../redis/commands.js';

/** One leader term: the epoch sent to engines, and the token under the lease key while it lasts. */
export interface LeaseTerm {
  readonly epoch: number;
  readonly token: string;
}

/** A lease this instance holds or tries to take. */
export interface LeaderLease {
  /** This instance's holder value, without the epoch. */
  readonly holderId: string;
  /** True while a term is held and certainly unexpired: the only time dispatching is allowed. */
  isHeld(): boolean;
  /** The term held now, or null. */
  term(): LeaseTerm | null;
  /** Called with the new term when the lease is won, and null when it is lost, fenced or released. */
  onChange(listener: (term: LeaseTerm | null) => void): () => void;
  /** Starts trying and renewing; resolves after the first try, so the caller knows its role. */
  start(): Promise<void>;
  /**
   * A fencing bridge has seen `seenEpoch`, above this term's: raises the epoch counter to it and
   * ends the term at once, so that the next term (this instance's or another's) is above it.
   */
  fence(seenEpoch: number): Promise<void>;
  /** Stops renewing and gives the lease up if it is still ours. Idempotent. */
  release(): Promise<void>;
}

/** How the lease is kept. */
export interface LeaderLeaseOptions {
  readonly redis: Redis;
  /** `execution.leader`. */
  readonly key: string;
  /** `execution.leader.epoch`. */
  readonly epochKey: string;
  /** A JSON object naming this instance (see `leaseHolder`). */
  readonly holderId: string;
  /**
   * Whether a lease held by `holder` may be taken over at once rather than waited out: true only for
   * a holder known to be dead (this instance's previous run, whose process is gone).
   */
  readonly takeOverIf?: (holder: string) => boolean;
  /**
   * Runs after the lease was won, before the term begins: false gives the lease back (with
   * `REDIS_MIN_REPLICAS`, the new epoch must reach the replicas first).
   */
  readonly confirmTerm?: () => Promise<boolean>;
  /**
   * Asked before each try to take the lease: false skips the try (with `REDIS_MIN_REPLICAS`, too
   * few replicas confirm writes now, so a new term could not be confirmed either).
   */
  readonly readyToLead?: () => Promise<boolean>;
  /** `LEADER_LEASE_SECONDS` in ms. */
  readonly leaseMs: number;
  readonly log: Logger;
  /** Monotonic time and timers; {@link monotonicClock} by default, so a stepped wall clock moves nothing. */
  readonly clock?: Clock;
}

// Renew three times per lease, and count the lease lost a safety margin before it could expire:
// Redis starts the TTL when it runs the command, which is after we sent it.
const RENEWALS_PER_LEASE = 3;
const SAFETY_FRACTION = 0.2;
/** How long a shutdown waits for Redis to take the lease back. */
const RELEASE_WAIT_MS = 1000;

function wonTerm(answer: unknown): LeaseTerm | string | null {
  if (!Array.isArray(answer)) return null;
  const [won, token, epoch] = answer as unknown[];
  if (won === 1 && typeof token === 'string' && typeof epoch === 'number') return { token, epoch };
  return typeof token === 'string' ? token : null;
}

/** A lease on `key`; nothing happens until `start()`. */
export function createLeaderLease(options: LeaderLeaseOptions): LeaderLease {
  const { key, epochKey, holderId, log } = options;
  const redis = withScripts(options.redis);
  // Redis takes whole milliseconds; the variable takes decimals of a second.
  const leaseMs = Math.max(1, Math.round(options.leaseMs));
  const clock = options.clock ?? monotonicClock;
  const now = (): number => clock.now();
  const listeners = new Set<(term: LeaseTerm | null) => void>();
  let validUntil = -Infinity;
  let current: LeaseTerm | null = null;
  /** The token of the term this instance held last: it may replace its own key at once. */
  let lastToken = '';
  let stopped = false;
  let timer: unknown = null;
  let expiryTimer: unknown = null;

  const setTerm = (term: LeaseTerm | null): void => {
    if (current === term) return;
    current = term;
    if (term === null) log.info({ key, holder: holderId }, 'the leader term ended');
    else log.info({ key, holder: holderId, epoch: term.epoch }, `won the leader lease: term ${term.epoch} begins`);
    for (const listener of listeners) listener(term);
  };

  const armExpiry = (): void => {
    if (expiryTimer !== null) clock.clearTimeout(expiryTimer);
    expiryTimer = clock.setTimeout(
      () => {
        expiryTimer = null;
        // Node arms a timer from the event loop's cached time, so under load it fires early by
        // as long as the loop was busy: waiting again is what makes the step-down certain.
        if (now() >= validUntil) setTerm(null);
        else if (current !== null) armExpiry();
      },
      Math.max(0, validUntil - now()) + 1,
    );
  };

  const tryAcquire = async (deadHolder: string): Promise<LeaseTerm | string | null> =>
    wonTerm(await redis.efAcquireLease(key, epochKey, holderId, leaseMs, deadHolder));

  let waitingToLead = false;
  const acquire = async (): Promise<LeaseTerm | null> => {
    if (options.readyToLead !== undefined) {
      const ready = await options.readyToLead();
      if (!ready && !waitingToLead) log.warn({ key }, 'not trying to lead: too few Redis replicas confirm writes');
      waitingToLead = !ready;
      if (!ready) return null;
    }
    // Our own last term's key, still standing after we counted ourselves out, is ours to replace.
    let answer = await tryAcquire(lastToken);
    if (typeof answer === 'string' && options.takeOverIf?.(answer)) {
      log.warn({ key, previous: answer }, 'taking over the lease of a holder that is gone');
      answer = await tryAcquire(answer);
    }
    if (answer === null || typeof answer === 'string') return null;
    lastToken = answer.token;
    if (options.confirmTerm && !(await options.confirmTerm())) {
      log.warn({ key, epoch: answer.epoch }, 'won the lease, but too few replicas confirmed the new term; giving it back');
      await redis.efReleaseLease(key, answer.token);
      return null;
    }
    return answer;
  };

  const attempt = async (): Promise<void> => {
    const sentAt = now();
    try {
      if (current !== null) {
        const renewing = current;
        const renewed = (await redis.efRenewLease(key, current.token, leaseMs)) === 1;
        if (stopped || current !== renewing) return;
        if (renewed && now() < validUntil) {
          validUntil = sentAt + leaseMs * (1 - SAFETY_FRACTION);
          armExpiry();
        } else if (renewed) {
          // The term ran out before the renewal was answered: whoever asked isHeld() meanwhile was
          // told no and stopped (the consumer loop does), so the term ends here too. The key is
          // still ours; the next try takes it again as a new term, which starts everything anew.
          setTerm(null);
        } else {
          // Someone else holds it (ours expired while we could not reach Redis): step down now.
          validUntil = -Infinity;
          setTerm(null);
        }
        return;
      }
      const won = await acquire();
      if (won === null) return;
      if (stopped) {
        await redis.efReleaseLease(key, won.token);
        return;
      }
      validUntil = sentAt + leaseMs * (1 - SAFETY_FRACTION);
      armExpiry();
      setTerm(won);
    } catch (error) {
      // Keep what we have until it runs out; the expiry timer steps down in time.
      log.warn({ err: error, key }, 'could not reach Redis for the leader lease');
    }
  };

  const loop = (): void => {
    if (stopped) return;
    timer = clock.setTimeout(() => {
      void attempt().finally(loop);
    }, leaseMs / RENEWALS_PER_LEASE);
  };

  return {
    holderId,
    isHeld: () => current !== null && now() < validUntil,
    term: () => current,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async start() {
      await attempt();
      loop();
    },
    async fence(seenEpoch) {
      const ending = current;
      validUntil = -Infinity;
      setTerm(null);
      try {
        const raised = await redis.efRaiseEpoch(key, epochKey, ending?.token ?? '', seenEpoch);
        log.warn({ key, seenEpoch, epoch: raised }, 'an engine bridge has seen a newer leader epoch: this term ended; the next one starts above it');
      } catch (error) {
        // The term has ended here all the same; the next term's epoch may be refused once more.
        log.error({ err: error, key, seenEpoch }, 'could not raise the leader epoch after a fencing answer');
      }
    },
    async release() {
      if (stopped) return;
      stopped = true;
      if (timer !== null) clock.clearTimeout(timer);
      if (expiryTimer !== null) clock.clearTimeout(expiryTimer);
      const ending = current;
      setTerm(null);
      if (ending !== null) {
        const releasing = redis.efReleaseLease(key, ending.token).then(
          () => true,
          (error: unknown) => {
            log.warn({ err: error, key }, 'could not release the leader lease; it expires by itself');
            return true;
          },
        );
        // A shutdown during a Redis outage does not wait for it: the key expires by itself.
        const waited = sleep(clock, RELEASE_WAIT_MS).then(() => false);
        if (!(await Promise.race([releasing, waited]))) log.warn({ key }, 'Redis did not answer the lease release in time; it expires by itself');
      }
    },
  };
}
