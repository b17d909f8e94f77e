/**
 * Pieces of the failover statechart's guards that need more than one line: the trip by one rule,
 * and what a maintenance event would change. Pure functions of the context and the event.
 */
import { assertEvent } from 'xstate';
import { tripReasonOf } from './callRules.js';
import type { EngineId } from './engines.js';
import type { FailoverEvent } from './executionFailover.js';
import { MAINTENANCE_PAUSE, maintenanceAfter, type MaintenanceEvent } from './maintenance.js';
import { nextAvailableAfter, type FailoverContext, type TripReason } from './policy.js';

/**
 * Whether the pause is the one maintenance caused: its reason, and the move that made it (an
 * operator's pause with the reason "maintenance" is shown as given, so the reason alone cannot tell).
 */
export function isMaintenancePause(context: FailoverContext): boolean {
  // Stryker disable next-line OptionalChaining: every way into a pause records the move, so lastTransition is set wherever pausedReason is.
  return context.pausedReason === MAINTENANCE_PAUSE && context.lastTransition?.reason === 'maintenance';
}

/** The context as it would be with `event`'s maintenance change applied. */
export function withMaintenanceOf(context: FailoverContext, event: MaintenanceEvent): FailoverContext {
  return { ...context, maintenance: maintenanceAfter(context.maintenance, event) };
}

// Once, not per guard call: six trip guards run on every engine call's event (issue 10).
const CALL_EVENTS = ['EXECUTION_FAILED', 'EXECUTION_SUCCEEDED'] as const;

/** The guard that `active` trips by `reason` on this call and the policy goes to `next` (null: nowhere). */
export function tripGuard(reason: TripReason) {
  return ({ context, event }: { context: FailoverContext; event: FailoverEvent }, params: { active: EngineId; next: EngineId | null }) => {
    // It guards calls only, like the machine's other guards their events: typed, not tested again.
    assertEvent(event, CALL_EVENTS);
    return event.engine === params.active && tripReasonOf(context, event) === reason && nextAvailableAfter(context, params.active) === params.next;
  };
}
