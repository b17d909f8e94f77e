/**
 * The spec families of calls: counting successes and failures, and the trips of the engine in use
 * by consecutive failures, failure share or slow share, to the next engine or to the pause.
 */
import type { EngineId } from '../../machines/engines.js';
import type { TripReason } from '../../machines/policy.js';
import { successCounts, tripReason, withCall, withTrippingCall, type CallEvent } from './callOracle.js';
import { ALL_ENGINES_FAILED, PRIORITY, STATE_OF_ENGINE, activeEngine, moving, nextAfterTrip, timeoutAfterTrip, type PolicyState } from './policyOracle.js';
import { ACTIVE_STATES, key, onEvent, type TransitionSpec } from './specKit.js';
import type { TransitionKey } from './transitions.js';

/** The machine's guard of each trip rule. */
const TRIP_GUARDS: Record<TripReason, string> = { threshold: 'tripsTo', failure_rate: 'failureRateTripsTo', slow_calls: 'slowCallsTripsTo' };

const FAILURE_REASONS: readonly TripReason[] = ['threshold', 'failure_rate', 'slow_calls'];
const SUCCESS_REASONS: readonly TripReason[] = ['failure_rate', 'slow_calls'];

/** The trip candidates of each active state for one event: per reason, one per other engine, then none left. */
function tripKeys(event: CallEvent['type'], reasons: readonly TripReason[], next: 'engine' | 'none'): TransitionKey[] {
  return PRIORITY.flatMap((active) => {
    const others: (EngineId | null)[] = [...PRIORITY.filter((engine) => engine !== active), null];
    const source = `failover.${STATE_OF_ENGINE[active]}`;
    return reasons.flatMap((reason, r) =>
      others.flatMap((other, n) =>
        (other === null) === (next === 'none')
          ? [key(source, event, r * others.length + n, `${TRIP_GUARDS[reason]}(active=${active}, next=${String(other)})`)]
          : [],
      ),
    );
  });
}

const tripsActive = (state: PolicyState, event: CallEvent) => activeEngine(state.value) === event.engine && tripReason(state.context, event) !== null;

function tripReasonOf(state: PolicyState, event: CallEvent): TripReason {
  const reason = tripReason(state.context, event);
  if (reason === null) throw new Error('The call trips nothing.');
  return reason;
}

/** The call trips the engine in use and the policy moves on: to the next engine, or to the pause. */
function tripSpecs(type: CallEvent['type'], reasons: readonly TripReason[], which: string): TransitionSpec[] {
  return [
    onEvent(
      type,
      `trip to next engine (${which})`,
      'When the active engine reaches the threshold, or its window has enough calls and the failure ' +
        'share (or else the slow share) reaches its threshold, switch to the next available engine in ' +
        'priority order with that reason; its window starts empty; the recovery timeout doubles on ' +
        'ping-pong and decays after stability.',
      tripKeys(type, reasons, 'engine'),
      (state, event) => tripsActive(state, event) && nextAfterTrip(state.context, event.engine) !== null,
      (state, event) => {
        const next = nextAfterTrip(state.context, event.engine);
        if (next === null) throw new Error('No engine left: this is the all-engines-failed rule.');
        const reason = tripReasonOf(state, event);
        return moving(state, STATE_OF_ENGINE[next], reason, event.at, (context) => ({
          ...withTrippingCall(context, event, reason),
          recoveryTimeoutSeconds: timeoutAfterTrip(state.context, event.engine, event.at),
          failback: null,
        }));
      },
    ),
    onEvent(
      type,
      `all engines failed (${which})`,
      'When the active engine trips by any rule and no engine is left, pause with reason all_engines_failed.',
      tripKeys(type, reasons, 'none'),
      (state, event) => tripsActive(state, event) && nextAfterTrip(state.context, event.engine) === null,
      (state, event) => {
        const reason = tripReasonOf(state, event);
        return moving(state, 'paused', 'all_engines_failed', event.at, (context) => ({
          ...withTrippingCall(context, event, reason),
          recoveryTimeoutSeconds: timeoutAfterTrip(state.context, event.engine, event.at),
          failback: null,
          pausedReason: ALL_ENGINES_FAILED,
        }));
      },
    ),
  ];
}

/** The families of calls. */
export const CALL_SPECS: readonly TransitionSpec[] = [
  onEvent(
    'EXECUTION_SUCCEEDED',
    'count success',
    'A successful execution that trips nothing resets the engine’s consecutive failure count and ' +
      'is counted in its window; a window rule it breaks on an engine not in use marks it tripped.',
    [key('failover', 'EXECUTION_SUCCEEDED', 0, 'successCounts')],
    (state, event) => successCounts(state.context, event) && !tripsActive(state, event),
    (state, event) => ({ value: state.value, context: withCall(state.context, event) }),
  ),
  onEvent(
    'EXECUTION_FAILED',
    'count failure',
    'A failure that does not trip the active engine adds one to that engine’s count and is counted ' +
      'in its window, and nothing else; a window rule it breaks on an engine not in use marks it tripped.',
    [key('failover', 'EXECUTION_FAILED', 0), ...ACTIVE_STATES.map((top) => key(`failover.${top}`, 'EXECUTION_FAILED', 9))],
    (state, event) => !tripsActive(state, event),
    (state, event) => ({ value: state.value, context: withCall(state.context, event) }),
  ),
  ...tripSpecs('EXECUTION_FAILED', FAILURE_REASONS, 'failure'),
  ...tripSpecs('EXECUTION_SUCCEEDED', SUCCESS_REASONS, 'success'),
];
