/**
 * Each engine's call window as the inspector shows it: the calls counted now and their failure and
 * slow shares, beside the thresholds of the rules that are on. Computed from the machine context at
 * the snapshot's time, since the window slides: the same context shows fewer calls later.
 */
import { countsAt, shareReaches } from '../../machines/callWindow.js';
import { ENGINE_IDS, type EngineId } from '../../machines/engines.js';
import type { FailoverContext, RateTripReason } from '../../machines/policy.js';

/** One window rule: its threshold in percent, or null when the rule is off. */
export interface WindowRuleView {
  readonly thresholdPercent: number | null;
}

/** The window rules' settings, the same for every engine. */
export interface WindowRules {
  /** `EXECUTION_FAILURE_RATE_THRESHOLD`; null threshold: off. */
  readonly failureRate: WindowRuleView;
  /** `EXECUTION_SLOW_CALL_RATE_THRESHOLD`; null threshold: off (`EXECUTION_SLOW_CALL_MS` unset). */
  readonly slowCalls: WindowRuleView;
  /** `EXECUTION_SLOW_CALL_MS`, or null when off. */
  readonly slowCallMs: number | null;
  /** `EXECUTION_FAILURE_RATE_MIN_CALLS`: calls before either rule may trip. */
  readonly minCalls: number;
  /** `EXECUTION_FAILURE_RATE_WINDOW` in seconds. */
  readonly windowSeconds: number;
}

/** One engine's window at the snapshot's time. */
export interface EngineWindowView {
  readonly engine: EngineId;
  readonly calls: number;
  readonly failures: number;
  readonly slow: number;
  /** Percent of the calls that failed / were slow; null without calls. */
  readonly failurePercent: number | null;
  readonly slowPercent: number | null;
  /** Whether each share reaches its rule's threshold, compared as the statechart does; false when off. */
  readonly failureReached: boolean;
  readonly slowReached: boolean;
  /** The window rule holding the engine tripped, if any. */
  readonly trippedBy: RateTripReason | null;
}

/** The windows of every engine and the rules they are judged by. */
export interface WindowsView {
  readonly rules: WindowRules;
  readonly engines: readonly EngineWindowView[];
}

function percent(part: number, whole: number): number | null {
  return whole === 0 ? null : (part * 100) / whole;
}

/** The windows of `context` at `at` (epoch ms). */
export function windowsView(context: FailoverContext, at: number): WindowsView {
  const { settings } = context;
  const windowMs = settings.failureRateWindowSeconds * 1000;
  return {
    rules: {
      failureRate: { thresholdPercent: settings.failureRateThreshold },
      slowCalls: { thresholdPercent: settings.slowCallMs === null ? null : settings.slowCallRateThreshold },
      slowCallMs: settings.slowCallMs,
      minCalls: settings.failureRateMinCalls,
      windowSeconds: settings.failureRateWindowSeconds,
    },
    engines: ENGINE_IDS.map((engine) => {
      const counts = countsAt(context.windows[engine], at, windowMs);
      return {
        engine,
        ...counts,
        failurePercent: percent(counts.failures, counts.calls),
        slowPercent: percent(counts.slow, counts.calls),
        failureReached: settings.failureRateThreshold !== null && shareReaches(counts.failures, counts.calls, settings.failureRateThreshold),
        slowReached: settings.slowCallMs !== null && shareReaches(counts.slow, counts.calls, settings.slowCallRateThreshold),
        trippedBy: context.rateTrips[engine],
      };
    }),
  };
}
