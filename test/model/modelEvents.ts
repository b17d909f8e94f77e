/**
 * The events the model drives the machine with: the policy's own events, plus the moment a
 * delayed transition's delay runs out. Every one carries the time it happens at.
 */
import type { FailoverEvent } from '../../machines/executionFailover.js';

/**
 * A delay running out. `type` is XState's internal event of the delayed transition
 * (`xstate.after.<delay>.<state node id>`), so the pure traversal can send it as is; `at` is when
 * the delay runs out. On a real actor it is not sent: the simulated clock is advanced to `at`.
 */
export interface DelayElapsed {
  readonly type: `xstate.after.${string}`;
  readonly at: number;
}

/** When every model run starts, in epoch milliseconds: a fixed instant, so runs are reproducible. */
export const MODEL_START = Date.UTC(2025, 0, 6, 9, 0, 0);

/** An event of the model: a policy event or a delay running out. */
export type ModelEvent = FailoverEvent | DelayElapsed;

/** Whether `event` is a delay running out rather than a policy event. */
export function isDelayElapsed(event: ModelEvent): event is DelayElapsed {
  return event.type.startsWith('xstate.after.');
}

/**
 * Whether `event` is one the machine's own timers produce: a delay running out, or the
 * `MAINTENANCE_DUE` it raises to itself at the earliest maintenance `until`. A real actor is not
 * sent these: its clock is moved to their time.
 */
export function isTimerEvent(event: ModelEvent): event is DelayElapsed | Extract<FailoverEvent, { type: 'MAINTENANCE_DUE' }> {
  return isDelayElapsed(event) || event.type === 'MAINTENANCE_DUE';
}

/** Whether `event` is the policy event of type `type`; narrows it to that event. */
export function isEventOfType<T extends FailoverEvent['type']>(event: ModelEvent, type: T): event is Extract<FailoverEvent, { type: T }> {
  return event.type === type;
}

/** A short, readable rendering of an event for test names and failure messages. */
export function describeEvent(event: ModelEvent): string {
  const when = `at start+${(event.at - MODEL_START) / 1000}s`;
  if (isDelayElapsed(event)) return `${event.type} (${when})`;
  const { type, at: _at, ...payload } = event;
  const details = Object.keys(payload).length === 0 ? '' : ` ${JSON.stringify(payload)}`;
  return `${type}${details} (${when})`;
}
