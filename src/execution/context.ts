/**
 * What every part of the execution path works with during one leader term: the queue, the policy,
 * the engines, the term's epoch, the limits, the clock, and the lanes and slots that order and
 * bound the engine calls. The consumer loop (`manager.ts`) builds it once.
 */
import type { EngineId } from '../../machines/engines.js';
import type { Clock } from '../clock.js';
import type { ExecutionEngine } from '../engines/types.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { Alert } from '../policy/alerts.js';
import type { PolicyRuntime } from '../policy/runtime.js';
import type { PositionLedger } from '../signals/positions.js';
import type { SignalQueue } from '../signals/queue.js';
import type { KeyedLanes } from './lanes.js';
import type { OrderRateLimiter } from './orderRate.js';
import type { Slots } from './slots.js';

/** The contract's limits on one signal's life. */
export interface ExecutionLimits {
  /** `SIGNAL_MAX_ATTEMPTS`. */
  readonly maxAttempts: number;
  /** `IN_DOUBT_TIMEOUT` in ms. */
  readonly inDoubtTimeoutMs: number;
  /** How often an unknown outcome is asked about: `EXECUTION_HEALTH_CHECK_INTERVAL` in ms. */
  readonly inDoubtPollMs: number;
  /** `ENGINE_TIMEOUT_MS`: a 404 frees a signal only this long after its send. */
  readonly engineTimeoutMs: number;
  /** First delay between two attempts of a signal on the same engine; doubles per attempt. */
  readonly retryBaseMs: number;
  /** How long, once closing, recording an outcome is retried through a Redis outage. */
  readonly drainMs: number;
  /** `EXECUTION_POSITION_WAIT` in ms: how long a reducing signal waits for its engine. */
  readonly positionWaitMs: number;
}

/** The shared state of one term's execution. */
export interface ExecutionContext {
  readonly queue: SignalQueue;
  readonly policy: PolicyRuntime;
  readonly engines: Partial<Record<EngineId, ExecutionEngine>>;
  readonly log: Logger;
  readonly metrics: Metrics | undefined;
  readonly alert: (alert: Alert) => void;
  readonly clock: Clock;
  /** The term's epoch, sent as `X-Leader-Epoch` with every engine request. */
  readonly epoch: number;
  readonly limits: ExecutionLimits;
  /** With position affinity, the ledger routing reads; null without affinity. */
  readonly positions: PositionLedger | null;
  /** Whether an engine may take orders now: not tripped, its last probe did not fail. */
  engineAvailable(engine: EngineId): boolean;
  /** Signals of one symbol run one at a time, in queue order. */
  readonly lanes: KeyedLanes;
  /** Engine calls in flight: at most `EXECUTION_CONCURRENCY`. */
  readonly slots: Slots;
  /** `ENGINE_<ID>_MAX_ORDERS_PER_SECOND`: the process's windows, outliving a term. */
  readonly orderRate: OrderRateLimiter;
  /** Aborted by `close()`: no new sends; sleeps end early. */
  readonly stop: AbortSignal;
  /**
   * `work`, or 'closed' once `close()` is called first: a Redis step raced this way is abandoned,
   * not awaited, at shutdown (it may stay pending while Sentinel has not yet named a new primary).
   * See {@link closeRacer}.
   */
  untilClosed<T>(work: Promise<T>): Promise<T | 'closed'>;
  /** When recording outcomes is given up: `drainMs` after `close()`; Infinity before it. */
  drainDeadline(): number;
  /** False once this instance may no longer dispatch (lease not certainly ours, or fenced). */
  mayDispatch(): boolean;
  /** An engine answered `stale_epoch`: a newer leader exists. Ends the term; idempotent. */
  fenced(seenEpoch: number): void;
  /** The active engine, waiting while paused; null once closing. */
  activeEngine(): Promise<EngineId | null>;
  /** Keeps `task` running in the background until it ends; `close()` waits for it. */
  track(task: Promise<void>): void;
  /** Counts a signal whose outcome is being settled with an engine (for stats) while `task` runs. */
  trackInDoubt(task: Promise<void>): void;
  /** The entry left this term's hands: settled, or found to be another's. */
  released(entryId: string): void;
  /** A signal was settled (for stats). */
  countSettled(): void;
}

const ALREADY_CLOSED: Promise<'closed'> = Promise.resolve('closed');

/**
 * {@link ExecutionContext.untilClosed} for `stop`. Each race is forgotten once its work settles:
 * racing every signal's step against one long-lived promise instead left a reaction on that
 * promise per signal, about 350 bytes each kept alive until the term ended.
 */
export function closeRacer(stop: AbortSignal): <T>(work: Promise<T>) => Promise<T | 'closed'> {
  const waiting = new Set<(value: 'closed') => void>();
  stop.addEventListener(
    'abort',
    () => {
      for (const resolve of waiting) resolve('closed');
      waiting.clear();
    },
    { once: true },
  );
  return <T>(work: Promise<T>): Promise<T | 'closed'> => {
    // A settled promise keeps no reactions: the race is then the plain one.
    if (stop.aborted) return Promise.race([work, ALREADY_CLOSED]);
    return new Promise<T | 'closed'>((resolve, reject) => {
      waiting.add(resolve);
      // Its value or its error as such: resolving with `work` itself would adopt it, a second
      // round of promise jobs per call.
      work.then(
        (value) => {
          waiting.delete(resolve);
          resolve(value);
        },
        (error: unknown) => {
          waiting.delete(resolve);
          // The work's own rejection, unchanged, as resolving with the work would pass it on.
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
          reject(error);
        },
      );
    });
  };
}
