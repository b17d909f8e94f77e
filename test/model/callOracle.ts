/**
 * The contract's window rules (failure rate, slow calls) and maintenance, restated for the spec
 * table as the policy oracle restates the rest. Only the bucket arithmetic of the window is taken
 * from `machines/callWindow.ts`, which has unit tests of its own; the rules built on it are here.
 */
import { countsAt, recordCall } from '../../machines/callWindow.js';
import type { EngineId } from '../../machines/engines.js';
import type { FailoverEvent } from '../../machines/executionFailover.js';
import type { Maintenance } from '../../machines/maintenance.js';
import type { FailoverContext, TripReason } from '../../machines/policy.js';
import { PRIORITY, chainOf, isChoosable } from './policyOracle.js';

/** A call's outcome as the policy hears it. */
export type CallEvent = Extract<FailoverEvent, { type: 'EXECUTION_FAILED' | 'EXECUTION_SUCCEEDED' }>;

/** A maintenance event as the policy hears it. */
export type MaintenanceEvent = Extract<FailoverEvent, { type: 'MAINTENANCE_STARTED' | 'MAINTENANCE_ENDED' | 'MAINTENANCE_DUE' }>;

/** The window is kept only while a window rule is on. */
function windowsOn(context: FailoverContext): boolean {
  return context.settings.failureRateThreshold !== null || context.settings.slowCallMs !== null;
}

/** The engine's window with this call counted in it; unchanged while both rules are off. */
export function windowWithCall(context: FailoverContext, event: CallEvent) {
  const window = context.windows[event.engine];
  if (!windowsOn(context)) return window;
  const { slowCallMs, failureRateWindowSeconds } = context.settings;
  const slow = slowCallMs !== null && event.durationMs !== undefined && event.durationMs > slowCallMs;
  return recordCall(window, { at: event.at, failed: event.type === 'EXECUTION_FAILED', slow }, failureRateWindowSeconds * 1000);
}

/**
 * Which rule this call trips its engine by: consecutive failures reaching the threshold first,
 * then, with enough calls in the window, the failure share, then the slow share. An engine a window
 * rule holds tripped already is not tripped again by one.
 */
export function tripReason(context: FailoverContext, event: CallEvent): TripReason | null {
  const { settings } = context;
  if (event.type === 'EXECUTION_FAILED' && context.failures[event.engine] + 1 >= settings.failureThreshold) return 'threshold';
  if (context.rateTrips[event.engine] !== null) return null;
  const counts = countsAt(windowWithCall(context, event), event.at, settings.failureRateWindowSeconds * 1000);
  if (counts.calls < settings.failureRateMinCalls) return null;
  if (settings.failureRateThreshold !== null && counts.failures / counts.calls >= settings.failureRateThreshold / 100) {
    return 'failure_rate';
  }
  if (settings.slowCallMs !== null && counts.slow / counts.calls >= settings.slowCallRateThreshold / 100) return 'slow_calls';
  return null;
}

/** A call counted: a failure adds one, a success resets; a window rule it breaks marks the engine, window emptied. */
export function withCall(context: FailoverContext, event: CallEvent): FailoverContext {
  const reason = tripReason(context, event);
  const failures = { ...context.failures, [event.engine]: event.type === 'EXECUTION_FAILED' ? context.failures[event.engine] + 1 : 0 };
  if (reason === null || reason === 'threshold') {
    return { ...context, failures, windows: { ...context.windows, [event.engine]: windowWithCall(context, event) } };
  }
  return { ...context, failures, windows: { ...context.windows, [event.engine]: [] }, rateTrips: { ...context.rateTrips, [event.engine]: reason } };
}

/** The call that trips the engine in use: counted, marked by a window rule, its window emptied. */
export function withTrippingCall(context: FailoverContext, event: CallEvent, reason: TripReason): FailoverContext {
  const failures = { ...context.failures, [event.engine]: event.type === 'EXECUTION_FAILED' ? context.failures[event.engine] + 1 : 0 };
  const rateTrips = reason === 'threshold' ? context.rateTrips : { ...context.rateTrips, [event.engine]: reason };
  return { ...context, failures, rateTrips, windows: { ...context.windows, [event.engine]: [] } };
}

/** Whether a success changes anything: it resets a count, or a window counts it. */
export function successCounts(context: FailoverContext, event: CallEvent): boolean {
  return context.failures[event.engine] > 0 || windowsOn(context);
}

/** Each engine's maintenance after the event: started (or changed), ended, or ended by its `until`. */
export function maintenanceWith(context: FailoverContext, event: MaintenanceEvent): Record<EngineId, Maintenance | null> {
  const next = { ...context.maintenance };
  if (event.type === 'MAINTENANCE_STARTED') next[event.engine] = { reason: event.reason, until: event.until };
  if (event.type === 'MAINTENANCE_ENDED') next[event.engine] = null;
  if (event.type === 'MAINTENANCE_DUE') {
    for (const engine of PRIORITY) {
      const until = context.maintenance[engine]?.until ?? null;
      if (until !== null && until <= event.at) next[engine] = null;
    }
  }
  return next;
}

/** The context with the event's maintenance change. */
export function withMaintenance(context: FailoverContext, event: MaintenanceEvent): FailoverContext {
  return { ...context, maintenance: maintenanceWith(context, event) };
}

/** Whether the event ends some engine's maintenance. */
export function endsSome(context: FailoverContext, event: MaintenanceEvent): boolean {
  const after = maintenanceWith(context, event);
  return PRIORITY.some((engine) => context.maintenance[engine] !== null && after[engine] === null);
}

/** Whether some maintenance has an `until` still to come. */
export function maintenanceEndPending(context: FailoverContext): boolean {
  return PRIORITY.some((engine) => (context.maintenance[engine]?.until ?? null) !== null);
}

/** The engine a maintenance pause resumes to: the preferred one the policy may choose; none if none. */
export function firstChoosable(context: FailoverContext): EngineId | null {
  return chainOf(context).find((engine) => isChoosable(context, engine)) ?? null;
}
