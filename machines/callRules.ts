/**
 * What one call's outcome does to an engine's record: its consecutive count, its window and the
 * window rules (failure rate, slow calls). Pure functions of the context and the call.
 */
import { EMPTY_WINDOW, countsAt, recordCall, shareReaches, type CallWindow } from './callWindow.js';
import { ENGINE_IDS, perEngine, type EngineId } from './engines.js';
import type { FailoverContext, PolicySettings, RateTripReason, TripReason } from './policy.js';

/** A finished call of an engine: failed or succeeded, and how long it took when known. */
export interface CallOutcome {
  readonly type: 'EXECUTION_SUCCEEDED' | 'EXECUTION_FAILED';
  readonly engine: EngineId;
  readonly at: number;
  /** Milliseconds from send to answer; absent: not measured, never slow. */
  readonly durationMs?: number;
}

/** The part of the context a call changes. */
export type EngineRecord = Pick<FailoverContext, 'failures' | 'windows' | 'rateTrips'>;

/** Whether either window rule is on; while both are off no window is kept. */
export function windowsEnabled(settings: PolicySettings): boolean {
  return settings.failureRateThreshold !== null || settings.slowCallMs !== null;
}

/** Whether a call of `durationMs` is slow. */
export function isSlow(settings: PolicySettings, durationMs: number | undefined): boolean {
  // Stryker disable next-line ConditionalExpression: `durationMs !== undefined` is for the type; `undefined > n` is false too.
  return settings.slowCallMs !== null && durationMs !== undefined && durationMs > settings.slowCallMs;
}

/** `engine`'s window with the call counted (unchanged while the rules are off). */
export function windowAfter(context: FailoverContext, call: CallOutcome): CallWindow {
  const { settings } = context;
  const window = context.windows[call.engine];
  if (!windowsEnabled(settings)) return window;
  const counted = { at: call.at, failed: call.type === 'EXECUTION_FAILED', slow: isSlow(settings, call.durationMs) };
  return recordCall(window, counted, settings.failureRateWindowSeconds * 1000);
}

/** The window rule that `window` breaks at `at`, failure rate first; null when none. */
export function rateTripOf(settings: PolicySettings, window: CallWindow, at: number): RateTripReason | null {
  const counts = countsAt(window, at, settings.failureRateWindowSeconds * 1000);
  if (counts.calls < settings.failureRateMinCalls) return null;
  if (settings.failureRateThreshold !== null && shareReaches(counts.failures, counts.calls, settings.failureRateThreshold)) {
    return 'failure_rate';
  }
  if (settings.slowCallMs !== null && shareReaches(counts.slow, counts.calls, settings.slowCallRateThreshold)) return 'slow_calls';
  return null;
}

/**
 * The rule this call trips its engine by: the consecutive threshold first (failures only), then
 * the window rules. Null when it trips none, or when a window rule already holds the engine tripped.
 */
export function tripReasonOf(context: FailoverContext, call: CallOutcome): TripReason | null {
  if (call.type === 'EXECUTION_FAILED' && context.failures[call.engine] + 1 >= context.settings.failureThreshold) {
    return 'threshold';
  }
  if (context.rateTrips[call.engine] !== null) return null;
  // Both window rules off (the default): nothing to trip by, and every trip guard of every call
  // asks, so no window is built to find that out (issue 10).
  // Stryker disable next-line ConditionalExpression: a shortcut only (`if (false)` is equivalent): with both rules off rateTripOf answers null too.
  if (!windowsEnabled(context.settings)) return null;
  return rateTripOf(context.settings, windowAfter(context, call), call.at);
}

function countAfter(context: FailoverContext, call: CallOutcome): number {
  return call.type === 'EXECUTION_FAILED' ? context.failures[call.engine] + 1 : 0;
}

/**
 * The record after a call that trips no engine in use: counted, and a window rule marks the engine
 * tripped (with its window emptied) when the call breaks it.
 */
export function recordAfterCall(context: FailoverContext, call: CallOutcome): EngineRecord {
  const reason = tripReasonOf(context, call);
  const rate = reason === 'threshold' ? null : reason;
  return {
    failures: { ...context.failures, [call.engine]: countAfter(context, call) },
    windows: { ...context.windows, [call.engine]: rate === null ? windowAfter(context, call) : EMPTY_WINDOW },
    rateTrips: rate === null ? context.rateTrips : { ...context.rateTrips, [call.engine]: rate },
  };
}

/** The record after the call that trips the engine in use by `reason`: its window starts empty. */
export function recordAfterTrip(context: FailoverContext, call: CallOutcome, reason: TripReason): EngineRecord {
  return {
    failures: { ...context.failures, [call.engine]: countAfter(context, call) },
    windows: { ...context.windows, [call.engine]: EMPTY_WINDOW },
    rateTrips: reason === 'threshold' ? context.rateTrips : { ...context.rateTrips, [call.engine]: reason },
  };
}

/** `engine` as good as new: no failures, no window trip, an empty window (when it is used again). */
export function freshRecord(context: FailoverContext, engine: EngineId): EngineRecord {
  return {
    failures: { ...context.failures, [engine]: 0 },
    windows: { ...context.windows, [engine]: EMPTY_WINDOW },
    rateTrips: { ...context.rateTrips, [engine]: null },
  };
}

/** Every engine as good as new: after a resume. */
export function freshRecords(): EngineRecord {
  return { failures: perEngine(() => 0), windows: perEngine(() => EMPTY_WINDOW), rateTrips: perEngine(() => null) };
}

/**
 * The record after a probe round whose streaks are `streaks`: an engine tripped by either rule that
 * has passed enough probes in a row is fresh again.
 */
export function recordAfterProbes(context: FailoverContext, streaks: Record<EngineId, number>): EngineRecord {
  const { failureThreshold, recoverySuccesses } = context.settings;
  let record: EngineRecord = { failures: context.failures, windows: context.windows, rateTrips: context.rateTrips };
  for (const engine of ENGINE_IDS) {
    const tripped = context.failures[engine] >= failureThreshold || context.rateTrips[engine] !== null;
    if (tripped && streaks[engine] >= recoverySuccesses) record = freshRecord({ ...context, ...record }, engine);
  }
  return record;
}
