/**
 * The queue interface the execution manager sees. It cannot tell a Redis stream from a Redis
 * list from the in-process demo queue; one conformance suite (`test/signals/queueConformance.ts`)
 * runs over all three.
 */
import type { EngineId } from '../../machines/engines.js';
import type { Outcome } from './outcome.js';

/** One signal taken from the queue and not yet settled. */
export interface QueuedSignal {
  /**
   * Unique among the entries this queue handed out: the stream entry id, or a number the list and
   * memory queues give each item they take (two identical list items are two entries).
   */
  readonly id: string;
  /**
   * The signal text as received (the stream entry's `signal` field, or the list item), decoded
   * strictly as UTF-8. For an entry marked {@link invalid}, the safe rendering that its dead-letter
   * `signal` field holds instead (`src/signals/signalBytes.ts`): never text to execute.
   */
  readonly raw: string;
  /**
   * Set when the queue already knows the entry is no signal, before any parsing: its bytes are not
   * UTF-8, it is larger than 64 KiB, or a stream entry has no `signal` field. The reason of its
   * `invalid` outcome; the manager records it so and never sends it to an engine.
   */
  readonly invalid?: string;
}

/**
 * The leader term a queue acts for. Every write for a signal (attempt record, outcome,
 * acknowledgement) is checked against the lease in the same Redis step: once the lease is not
 * this term's, nothing is written.
 */
export interface TermFence {
  /** `execution.leader`. */
  readonly leaseKey: string;
  /** The term's value under the lease key. */
  readonly token: string;
  /** The term's epoch, written into attempt records. */
  readonly epoch: number;
}

/** What to record before a send. */
export interface AttemptRequest {
  readonly signalId: string;
  readonly engine: EngineId;
  /**
   * True for the first attempt of this run: an attempt record already there is then reported
   * (`unsettled`) instead of replaced, because an earlier run (a crash, a takeover) or another copy
   * of the signal sent it and never recorded how it ended.
   */
  readonly first: boolean;
}

/** What Redis knows of a signal about to be sent (see `SignalQueue.beginAttempt`). */
export type AttemptStart =
  /** Recorded: send it. `sentAt` is the Redis server time of the record (epoch ms). */
  | { readonly kind: 'go'; readonly sentAt: number }
  /** Its `signal_id` was executed already: record a duplicate, send nothing. */
  | { readonly kind: 'executed' }
  /**
   * An earlier attempt was never settled: ask `engine` before it may go anywhere else. `sentAt`
   * and `now` are Redis server times (epoch ms), so their difference holds whatever clock this
   * process has.
   */
  | { readonly kind: 'unsettled'; readonly engine: EngineId; readonly epoch: number; readonly sentAt: number; readonly now: number }
  /** The term lost the lease, or the entry is another consumer's now: nothing was written. */
  | { readonly kind: 'lost'; readonly reason: 'not_leader' | 'not_owner' }
  /** `REDIS_MIN_REPLICAS`: the record was not confirmed by enough replicas; do not send yet. */
  | { readonly kind: 'unreplicated'; readonly confirmed: number };

/** How a settle ended. */
export type SettleResult =
  | 'settled'
  /** An `executed` outcome whose signal id another copy recorded first: nothing written; record a duplicate. */
  | 'already_executed'
  /** The lease is not this term's any more: nothing written; the next leader settles the entry. */
  | 'not_leader'
  /** The entry is no longer this consumer's (claimed, or gone with a failed-over Redis): nothing written. */
  | 'not_owner';

/** Where the signals come from and where their outcomes go. */
export interface SignalQueue {
  readonly kind: 'stream' | 'list' | 'memory';
  /** Prepares the queue (creates the consumer group) and returns what this consumer left unsettled. */
  start(): Promise<QueuedSignal[]>;
  /** Takes up to `max` new signals, waiting up to `blockMs` when there are none. */
  take(max: number, blockMs: number): Promise<QueuedSignal[]>;
  /**
   * Before a send, in one step checked against the term (see {@link AttemptStart}): the dedup
   * record, an unsettled earlier attempt, else the new attempt record with the engine, the epoch
   * and the send time.
   */
  beginAttempt(entry: QueuedSignal, attempt: AttemptRequest): Promise<AttemptStart>;
  /**
   * Records the outcome, the dedup record when executed, removes the attempt record when
   * `clearsAttempt`, and acknowledges the entry, all in one step checked against the term: an
   * outcome is never recorded without the acknowledgement, nor acknowledged without it.
   */
  settle(entry: QueuedSignal, outcome: Outcome, options: { readonly clearsAttempt: boolean }): Promise<SettleResult>;
  /**
   * Takes over entries that another consumer (a dead or former leader) took and left unsettled for
   * at least `minIdleMs`. Entries this queue handed out are never returned.
   */
  reclaim(minIdleMs: number): Promise<QueuedSignal[]>;
  /** Ends a waiting `take` at once with what it has (usually nothing); the policy just paused. */
  interrupt(): void;
  /** Signals waiting to be taken, for metrics. */
  depth(): Promise<number>;
  /** Stops blocking reads; idempotent. */
  close(): Promise<void>;
}
