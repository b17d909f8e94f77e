/**
 * The queue interface the execution manager sees. It cannot tell a Redis stream from a Redis
 * list from the in-process demo queue.
 */
import type { EngineId } from '../../machines/engines.js';
import type { Outcome } from './outcome.js';

/** What Redis knows of a signal about to be sent (see `SignalQueue.beginAttempt`). */
export type AttemptStart =
  | { readonly kind: 'go' }
  | { readonly kind: 'executed' }
  | { readonly kind: 'unsettled'; readonly engine: EngineId };

/** One signal taken from the queue and not yet settled. */
export interface QueuedSignal {
  /** The stream entry id, the list item's own text, or the memory queue's id: whatever `settle` needs. */
  readonly id: string;
  /** The raw text as received (the stream entry's `signal` field, or the list item). */
  readonly raw: string;
}

/** Where the signals come from and where their outcomes go. */
export interface SignalQueue {
  readonly kind: 'stream' | 'list' | 'memory';
  /** Prepares the queue (creates the consumer group) and returns what this consumer left unsettled. */
  start(): Promise<QueuedSignal[]>;
  /** Takes up to `max` new signals, waiting up to `blockMs` when there are none. */
  take(max: number, blockMs: number): Promise<QueuedSignal[]>;
  /**
   * Records the outcome, marks the signal executed for dedup when it was, and acknowledges the
   * entry, all in one atomic step: an outcome is never recorded without the ack, nor acked without it.
   * Resolves false, recording nothing, when the entry is no longer this consumer's (a new leader took
   * it over): whoever holds it records its one outcome.
   */
  settle(entry: QueuedSignal, outcome: Outcome): Promise<boolean>;
  /** Whether a signal with this id was already executed (the dedup record). */
  wasExecuted(signalId: string): Promise<boolean>;
  /**
   * Before sending to `engine`, in one step: `executed` when the id was executed already; on the
   * first attempt of this run, `unsettled` naming the engine an earlier run sent it to without
   * recording an outcome (a crash or a takeover: that engine must settle it first); otherwise `go`,
   * having recorded that it goes to `engine` (the outcome's `settle` removes the record).
   */
  beginAttempt(signalId: string, engine: EngineId, first: boolean): Promise<AttemptStart>;
  /**
   * Takes over entries that other consumers (a dead leader) took and left unsettled for at least
   * `minIdleMs`. The list queue's takeover happens in `start()`, so it returns none here.
   */
  reclaim(minIdleMs: number): Promise<QueuedSignal[]>;
  /** Ends a waiting `take` at once with what it has (usually nothing); the policy just paused. */
  interrupt(): void;
  /** Signals waiting to be taken, for metrics. */
  depth(): Promise<number>;
  /** Stops blocking reads; idempotent. */
  close(): Promise<void>;
}
