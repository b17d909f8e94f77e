/**
 * The Redis side of settling a signal, shared by the stream and the list queue: the outcome entry
 * and the dedup record go into the same MULTI as the acknowledgement, so none of them can happen
 * without the others.
 */
import type { ChainableCommander } from 'ioredis';
import { attemptKey, dedupKey } from './keys.js';
import { EVENT_STREAM_OUTCOMES, outcomeFields, type Outcome } from './outcome.js';

/** Where a queue records outcomes and dedup records. */
export interface OutcomeDestinations {
  /** `SIGNAL_QUEUE`: dedup keys live under it. */
  readonly queueName: string;
  /** `EXECUTION_EVENTS`. */
  readonly eventsStream: string;
  /** `DEAD_LETTER_QUEUE`. */
  readonly deadLetterStream: string;
  /** How long an executed signal id stays known, in milliseconds. */
  readonly dedupTtlMs: number;
}

/**
 * Converts `DEDUP_TTL_SECONDS` to the milliseconds `SET … PX` takes. Milliseconds rather than
 * `EX` because durations may have decimals and `EX` accepts whole seconds only.
 */
export function dedupTtlMilliseconds(dedupTtlSeconds: number): number {
  if (!Number.isFinite(dedupTtlSeconds) || dedupTtlSeconds <= 0) {
    throw new Error(`dedupTtlSeconds must be a finite number of seconds greater than 0, got ${dedupTtlSeconds}`);
  }
  return Math.max(1, Math.round(dedupTtlSeconds * 1000));
}

/** Queues, in `transaction`, the outcome's stream entry and, when it was executed, its dedup record. */
export function queueOutcomeRecord(transaction: ChainableCommander, destinations: OutcomeDestinations, outcome: Outcome): void {
  const stream = EVENT_STREAM_OUTCOMES.has(outcome.outcome) ? destinations.eventsStream : destinations.deadLetterStream;
  transaction.xadd(stream, '*', ...Object.entries(outcomeFields(outcome)).flat());
  if (outcome.outcome === 'executed') {
    transaction.set(dedupKey(destinations.queueName, outcome.signalId), '1', 'PX', destinations.dedupTtlMs);
  }
  // Settled: no engine needs asking about it after a crash any more.
  if (outcome.signalId !== '') transaction.del(attemptKey(destinations.queueName, outcome.signalId));
}

/**
 * Runs the transaction and fails if any of its commands failed. `what` completes the sentence
 * "Could not …" in the error.
 */
export async function commitTransaction(transaction: ChainableCommander, what: string): Promise<void> {
  let results: [error: Error | null, result: unknown][] | null;
  try {
    results = await transaction.exec();
  } catch (error) {
    throw new Error(`Could not ${what}: the Redis transaction failed`, { cause: error });
  }
  if (results === null) throw new Error(`Could not ${what}: the Redis transaction was aborted`);
  const failure = results.find(([error]) => error !== null)?.[0];
  if (failure) throw new Error(`Could not ${what}: a command in the Redis transaction failed`, { cause: failure });
}
