/** The outcomes a signal can end in, and the entry recorded for each (contract section 3). */
import type { EngineId } from '../../machines/engines.js';

/** Every signal taken from the queue ends in exactly one of these. */
export const OUTCOMES = ['executed', 'rejected', 'invalid', 'expired', 'duplicate', 'attempts_exhausted', 'in_doubt', 'position_engine_unavailable'] as const;

/** One of the contract's outcomes. */
export type OutcomeKind = (typeof OUTCOMES)[number];

/** Outcomes recorded on `EXECUTION_EVENTS`; the rest go to the dead-letter stream. */
export const EVENT_STREAM_OUTCOMES: ReadonlySet<OutcomeKind> = new Set(['executed', 'duplicate']);

/** The outcomes that also raise an alert. */
export const ALERTING_OUTCOMES: ReadonlySet<OutcomeKind> = new Set(['attempts_exhausted', 'in_doubt', 'position_engine_unavailable']);

/** What an executed signal does to its engine's position (contract section 13), recorded with it. */
export interface PositionChange {
  readonly engine: EngineId;
  readonly strategyId: string;
  readonly symbol: string;
  /** Positive buys, negative sells. */
  readonly amount: number;
}

/** How a signal ended, before it is written as a stream entry. */
export interface Outcome {
  /** Empty when the signal was unreadable. */
  readonly signalId: string;
  readonly outcome: OutcomeKind;
  readonly engine: EngineId | null;
  readonly attempts: number;
  /** Human-readable. */
  readonly reason: string;
  /** The raw text as received. */
  readonly signal: string;
  /** Epoch milliseconds. */
  readonly at: number;
  /** Executed only: the engine's JSON answer. */
  readonly report?: unknown;
  /** Executed only. */
  readonly latencyMs?: number;
  /** Executed only, with position affinity: the engine's position moves by this in the same step. */
  readonly positionChange?: PositionChange;
}

/**
 * The fields of an outcome entry, in the order they are written: every outcome has the first seven,
 * an executed one also the last two, so the names of any outcome are a prefix of this list.
 */
export const OUTCOME_FIELD_NAMES = ['signal_id', 'outcome', 'engine', 'attempts', 'reason', 'signal', 'at', 'report', 'latency_ms'] as const;

// Outcomes settled together mostly share their millisecond: one Date and ISO string for them all.
let lastAt = Number.NaN;
let lastIso = '';

function isoOf(at: number): string {
  if (at !== lastAt) {
    lastIso = new Date(at).toISOString();
    lastAt = at;
  }
  return lastIso;
}

/**
 * Appends the values of {@link OUTCOME_FIELD_NAMES} for `outcome` to `out` (seven, or nine when
 * executed) and answers how many.
 */
export function pushOutcomeFieldValues(out: (string | number)[], outcome: Outcome): number {
  out.push(outcome.signalId, outcome.outcome, outcome.engine ?? '', String(outcome.attempts), outcome.reason, outcome.signal, isoOf(outcome.at));
  if (outcome.outcome !== 'executed') return 7;
  out.push(JSON.stringify(outcome.report ?? null), String(Math.round(outcome.latencyMs ?? 0)));
  return 9;
}

/** The values of {@link OUTCOME_FIELD_NAMES} for `outcome`: seven, or nine when executed. */
export function outcomeFieldValues(outcome: Outcome): string[] {
  const values: string[] = [];
  pushOutcomeFieldValues(values, outcome);
  return values;
}

/** The stream entry fields of an outcome, exactly as the contract names them. */
export function outcomeFields(outcome: Outcome): Record<string, string> {
  const fields: Record<string, string> = {};
  outcomeFieldValues(outcome).forEach((value, index) => {
    const name = OUTCOME_FIELD_NAMES[index];
    if (name !== undefined) fields[name] = value;
  });
  return fields;
}
