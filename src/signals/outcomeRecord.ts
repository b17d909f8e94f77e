/** Where a queue records outcomes and dedup records (contract section 3). */

/** Where a queue records outcomes and dedup records. */
export interface OutcomeDestinations {
  /** `SIGNAL_QUEUE`: dedup and attempt records live under it. */
  readonly queueName: string;
  /** `EXECUTION_EVENTS`. */
  readonly eventsStream: string;
  /** `DEAD_LETTER_QUEUE`. */
  readonly deadLetterStream: string;
  /** How long an executed signal id stays known, in milliseconds; attempt records live as long. */
  readonly dedupTtlMs: number;
  /** `OUTCOME_STREAM_MAXLEN`: each outcome stream keeps about this many entries; unset keeps all. */
  readonly outcomeMaxLen?: number;
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
