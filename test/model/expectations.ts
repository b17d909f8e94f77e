/**
 * What each transition of the failover statechart must do, by transition family: when it applies,
 * which state it leads to and how it changes the context, given the state before and the event.
 *
 * Written from the contract with the oracle of `policyOracle.ts`, never from the machine's output.
 * Every transition key of the machine is listed under exactly one family; a key that is in the
 * machine and not here (or here and not in the machine) fails the coverage test.
 */
import type { EngineId } from '../../machines/engines.js';
import type { FailoverEvent } from '../../machines/executionFailover.js';
import { isDelayElapsed, isEventOfType, type ModelEvent } from './modelEvents.js';
import {
  ALL_ENGINES_FAILED,
  PRIORITY,
  STATE_OF_ENGINE,
  activeEngine,
  enteredValue,
  moving,
  nextAfterTrip,
  phaseOf,
  reachesThreshold,
  recoveredEngine,
  recoveryCheckFails,
  resumeTarget,
  timeoutAfterTrip,
  timeoutInForce,
  topOf,
  withCheckStarted,
  withFailures,
  withFreshStart,
  withPhase,
  withProbeRound,
  withRecoveryArmed,
  withRecoveryCleared,
  type PolicyState,
} from './policyOracle.js';
import type { TransitionKey } from './transitions.js';

/** What sets a transition off: a policy event, a delay running out, or nothing (`always`). */
export type Trigger = FailoverEvent['type'] | 'delay' | 'eventless';

/** The rules of one family of transitions. */
export interface TransitionSpec {
  readonly family: string;
  /** The rule in words, as the contract states it. */
  readonly rule: string;
  readonly trigger: Trigger;
  /** The machine's transitions that implement the rule. */
  readonly keys: readonly TransitionKey[];
  /** Whether the rule must fire in `state` on `event` (for eventless rules: right after `event`). */
  applies(state: PolicyState, event: ModelEvent): boolean;
  /** The state the rule leads to. Only meaningful where `applies` holds. */
  next(state: PolicyState, event: ModelEvent): PolicyState;
}

type EventOf<T extends FailoverEvent['type']> = Extract<FailoverEvent, { type: T }>;

/** A rule set off by the policy event `type`; `applies` and `next` see that event, typed. */
function onEvent<T extends FailoverEvent['type']>(
  type: T,
  family: string,
  rule: string,
  keys: readonly TransitionKey[],
  applies: (state: PolicyState, event: EventOf<T>) => boolean,
  next: (state: PolicyState, event: EventOf<T>) => PolicyState,
): TransitionSpec {
  const typed = (event: ModelEvent): EventOf<T> => {
    if (!isEventOfType(event, type)) throw new Error(`The "${family}" rule is for ${type}, not ${event.type}.`);
    return event;
  };
  return {
    family,
    rule,
    trigger: type,
    keys,
    applies: (state, event) => isEventOfType(event, type) && applies(state, event),
    next: (state, event) => next(state, typed(event)),
  };
}

const ACTIVE_STATES = PRIORITY.map((engine) => STATE_OF_ENGINE[engine]);
const RECOVERY_REGIONS = ['failover.backup1Active', 'failover.backup2Active', 'failover.paused.autoResuming'];

function key(source: string, event: string, index: number, guard = 'unguarded'): TransitionKey {
  return `${source} ${event} #${index} [${guard}]`;
}

/** The candidates of an active state's EXECUTION_FAILED array: one per other engine, then none left. */
function tripKeys(next: 'engine' | 'none'): TransitionKey[] {
  return PRIORITY.flatMap((active) => {
    const others = PRIORITY.filter((engine) => engine !== active);
    const source = `failover.${STATE_OF_ENGINE[active]}`;
    return next === 'engine'
      ? others.map((other, index) => key(source, 'EXECUTION_FAILED', index, `tripsTo(active=${active}, next=${other})`))
      : [key(source, 'EXECUTION_FAILED', others.length, `tripsTo(active=${active}, next=null)`)];
  });
}

function switchKeys(target: 'other' | 'same'): TransitionKey[] {
  return PRIORITY.flatMap((active) =>
    PRIORITY.flatMap((engine, index) =>
      (engine === active) === (target === 'same')
        ? [key(`failover.${STATE_OF_ENGINE[active]}`, 'SWITCH', index, `switchTargetIs(engine=${engine})`)]
        : [],
    ),
  );
}

const isActiveEngine = (state: PolicyState, engine: EngineId) => activeEngine(state.value) === engine;

/** The transition families and the rules they must follow. */
export const TRANSITION_SPECS: readonly TransitionSpec[] = [
  onEvent(
    'EXECUTION_SUCCEEDED',
    'count success',
    'A successful execution on an engine resets its consecutive failure count.',
    [key('failover', 'EXECUTION_SUCCEEDED', 0, 'hasFailures')],
    (state, event) => state.context.failures[event.engine] > 0,
    (state, event) => ({ value: state.value, context: withFailures(state.context, event.engine, 0) }),
  ),
  onEvent(
    'EXECUTION_FAILED',
    'count failure',
    'A failure that does not trip the active engine adds one to that engine’s count, and nothing else.',
    [key('failover', 'EXECUTION_FAILED', 0), ...ACTIVE_STATES.map((top) => key(`failover.${top}`, 'EXECUTION_FAILED', 3))],
    (state, event) => !(isActiveEngine(state, event.engine) && reachesThreshold(state.context, event.engine)),
    (state, event) => ({
      value: state.value,
      context: withFailures(state.context, event.engine, state.context.failures[event.engine] + 1),
    }),
  ),
  onEvent(
    'EXECUTION_FAILED',
    'trip to next engine',
    'When the active engine reaches the threshold, switch to the next available engine in priority ' +
      'order (reason threshold); the recovery timeout doubles on ping-pong and decays after stability.',
    tripKeys('engine'),
    (state, event) =>
      isActiveEngine(state, event.engine) &&
      reachesThreshold(state.context, event.engine) &&
      nextAfterTrip(state.context, event.engine) !== null,
    (state, event) => {
      const next = nextAfterTrip(state.context, event.engine);
      if (next === null) throw new Error('No engine left: this is the all-engines-failed rule.');
      return moving(state, STATE_OF_ENGINE[next], 'threshold', event.at, (context) => ({
        ...withFailures(context, event.engine, context.failures[event.engine] + 1),
        recoveryTimeoutSeconds: timeoutAfterTrip(state.context, event.engine, event.at),
        failback: null,
      }));
    },
  ),
  onEvent(
    'EXECUTION_FAILED',
    'all engines failed',
    'When the active engine reaches the threshold and no engine is left, pause with reason all_engines_failed.',
    tripKeys('none'),
    (state, event) =>
      isActiveEngine(state, event.engine) &&
      reachesThreshold(state.context, event.engine) &&
      nextAfterTrip(state.context, event.engine) === null,
    (state, event) =>
      moving(state, 'paused', 'all_engines_failed', event.at, (context) => ({
        ...withFailures(context, event.engine, context.failures[event.engine] + 1),
        recoveryTimeoutSeconds: timeoutAfterTrip(state.context, event.engine, event.at),
        failback: null,
        pausedReason: ALL_ENGINES_FAILED,
      })),
  ),
  onEvent(
    'HEALTH_CHECKED',
    'record health',
    'A probe round outside a deciding recovery check only updates availability, streaks, and the ' +
      'count of a tripped engine that recovered.',
    [
      key('failover', 'HEALTH_CHECKED', 0),
      key('failover.backup1Active.checking', 'HEALTH_CHECKED', 2),
      key('failover.backup2Active.checking', 'HEALTH_CHECKED', 3),
      key('failover.paused.autoResuming.checking', 'HEALTH_CHECKED', 4),
    ],
    (state, event) => {
      if (phaseOf(state.value) !== 'checking') return true;
      const active = activeEngine(state.value);
      return (
        recoveredEngine(state.context, active, event.results) === null &&
        !recoveryCheckFails(state.context, active, event.results)
      );
    },
    (state, event) => ({ value: state.value, context: withProbeRound(state.context, event.results) }),
  ),
  onEvent(
    'HEALTH_CHECKED',
    'recovered',
    'During a recovery check, the highest-priority engine with enough consecutive healthy probes ' +
      'takes over (reason recovered); its count resets and ping-pong is watched from now on.',
    [
      key('failover.backup1Active.checking', 'HEALTH_CHECKED', 0, 'recovers(active=quanttrader_pybroker, engine=lean_self_hosted)'),
      key('failover.backup2Active.checking', 'HEALTH_CHECKED', 0, 'recovers(active=nautilus_trader, engine=lean_self_hosted)'),
      key('failover.backup2Active.checking', 'HEALTH_CHECKED', 1, 'recovers(active=nautilus_trader, engine=quanttrader_pybroker)'),
    ],
    (state, event) =>
      phaseOf(state.value) === 'checking' &&
      activeEngine(state.value) !== null &&
      recoveredEngine(state.context, activeEngine(state.value), event.results) !== null,
    (state, event) => {
      const engine = recoveredEngine(state.context, activeEngine(state.value), event.results);
      if (engine === null) throw new Error('Nothing recovered.');
      return moving(state, STATE_OF_ENGINE[engine], 'recovered', event.at, (context) => ({
        ...withFailures(withProbeRound(context, event.results), engine, 0),
        failback: { engine, at: event.at, timeoutSeconds: state.context.recoveryTimeoutSeconds },
      }));
    },
  ),
  onEvent(
    'HEALTH_CHECKED',
    'recovery check fails',
    'When no candidate is left on a healthy streak, stay and try again one timeout later.',
    [
      key('failover.backup1Active.checking', 'HEALTH_CHECKED', 1, 'recoveryCheckFails(active=quanttrader_pybroker)'),
      key('failover.backup2Active.checking', 'HEALTH_CHECKED', 2, 'recoveryCheckFails(active=nautilus_trader)'),
      key('failover.paused.autoResuming.checking', 'HEALTH_CHECKED', 3, 'recoveryCheckFails(active=null)'),
    ],
    (state, event) => {
      const active = activeEngine(state.value);
      return (
        phaseOf(state.value) === 'checking' &&
        recoveredEngine(state.context, active, event.results) === null &&
        recoveryCheckFails(state.context, active, event.results)
      );
    },
    (state, event) => ({
      value: withPhase(state.value, 'waiting'),
      context: withRecoveryArmed(withProbeRound(state.context, event.results), event.at),
    }),
  ),
  onEvent(
    'HEALTH_CHECKED',
    'auto-resume recovered',
    'With auto-resume, the first engine that recovers after all failed takes over (reason ' +
      'auto_resume) with every count reset, as after an operator’s resume.',
    PRIORITY.map((engine, index) =>
      key('failover.paused.autoResuming.checking', 'HEALTH_CHECKED', index, `recovers(active=null, engine=${engine})`),
    ),
    (state, event) =>
      phaseOf(state.value) === 'checking' &&
      activeEngine(state.value) === null &&
      recoveredEngine(state.context, null, event.results) !== null,
    (state, event) => {
      const engine = recoveredEngine(state.context, null, event.results);
      if (engine === null) throw new Error('Nothing recovered.');
      return moving(state, STATE_OF_ENGINE[engine], 'auto_resume', event.at, (context) =>
        withFreshStart(withProbeRound(context, event.results)),
      );
    },
  ),
  onEvent(
    'PAUSE',
    'operator pause',
    'An operator pauses with a reason: nothing is consumed until resumed (reason operator).',
    ACTIVE_STATES.map((top) => key(`failover.${top}`, 'PAUSE', 0)),
    (state) => topOf(state.value) !== 'paused',
    (state, event) => moving(state, 'paused', 'operator', event.at, (context) => ({ ...context, pausedReason: event.reason })),
  ),
  onEvent(
    'PAUSE',
    'pause again',
    'Pausing while paused replaces the reason and holds for an operator, stopping any auto-resume.',
    [key('failover.paused', 'PAUSE', 0)],
    (state) => topOf(state.value) === 'paused',
    (state, event) => {
      const phase = phaseOf(state.value);
      const context = phase === 'waiting' || phase === 'checking' ? withRecoveryCleared(state.context) : state.context;
      return { value: enteredValue('paused'), context: { ...context, pausedReason: event.reason } };
    },
  ),
  onEvent(
    'SWITCH',
    'operator switch',
    'An operator switches to a named engine (reason operator): its count resets and the ping-pong ' +
      'watch ends, with the decay that was due applied first.',
    [
      ...switchKeys('other'),
      ...PRIORITY.map((engine, index) => key('failover.paused', 'SWITCH', index, `switchTargetIs(engine=${engine})`)),
    ],
    (state, event) => activeEngine(state.value) !== event.engine,
    (state, event) =>
      moving(state, STATE_OF_ENGINE[event.engine], 'operator', event.at, (context) => ({
        ...withFailures(context, event.engine, 0),
        recoveryTimeoutSeconds: timeoutInForce(state.context, event.at),
        failback: null,
      })),
  ),
  onEvent(
    'SWITCH',
    'switch to the active engine',
    'Switching to the engine already active stays put and only resets its count and the ping-pong watch.',
    switchKeys('same'),
    (state, event) => activeEngine(state.value) === event.engine,
    (state, event) => ({
      value: state.value,
      context: {
        ...withFailures(state.context, event.engine, 0),
        recoveryTimeoutSeconds: timeoutInForce(state.context, event.at),
        failback: null,
      },
    }),
  ),
  onEvent(
    'RESUME',
    'resume',
    'An operator’s resume leaves the pause for the preferred engine not known unhealthy, with ' +
      'every count reset and the base recovery timeout (reason operator).',
    PRIORITY.map((engine, index) => key('failover.paused', 'RESUME', index, `resumesTo(engine=${engine})`)),
    (state) => topOf(state.value) === 'paused',
    (state, event) =>
      moving(state, STATE_OF_ENGINE[resumeTarget(state.context)], 'operator', event.at, (context) => withFreshStart(context)),
  ),
  onEvent(
    'RESTORED',
    'restored re-arms',
    'After a restore, a pending recovery timer is re-armed for the deadline kept in the context.',
    RECOVERY_REGIONS.map((region) => key(`${region}.waiting`, 'RESTORED', 0)),
    (state) => phaseOf(state.value) === 'waiting',
    (state, event) => ({ value: state.value, context: { ...state.context, recoveryArmedAt: event.at } }),
  ),
  onEvent(
    'RESTORED',
    'restored restarts the check',
    'After a restore during a recovery check, the check starts over: streaks counted before do not count.',
    RECOVERY_REGIONS.map((region) => key(`${region}.checking`, 'RESTORED', 0)),
    (state) => phaseOf(state.value) === 'checking',
    (state) => ({ value: state.value, context: withCheckStarted(state.context, activeEngine(state.value)) }),
  ),
  {
    family: 'after → checking',
    rule:
      'At the recovery deadline the policy starts probing the preferred engines; only probes from ' +
      'then on count towards recovery.',
    trigger: 'delay',
    keys: RECOVERY_REGIONS.map((region) => key(`${region}.waiting`, 'after(recoveryDelay)', 0)),
    applies: (state, event) =>
      isDelayElapsed(event) &&
      phaseOf(state.value) === 'waiting' &&
      state.context.recoveryDeadline !== null &&
      event.at >= state.context.recoveryDeadline,
    next: (state) => ({
      value: withPhase(state.value, 'checking'),
      context: withCheckStarted(state.context, activeEngine(state.value)),
    }),
  },
  {
    family: 'auto-resume',
    rule:
      'With EXECUTION_AUTO_RESUME=true, a pause because all engines failed starts waiting for a ' +
      'recovery check of every engine at once; an operator’s pause does not.',
    trigger: 'eventless',
    keys: [key('failover.paused.holding', 'always', 0, 'autoResumeApplies')],
    applies: (state) =>
      phaseOf(state.value) === 'holding' &&
      state.context.settings.autoResume &&
      state.context.pausedReason === ALL_ENGINES_FAILED,
    next: (state, event) => ({
      value: { paused: { autoResuming: 'waiting' } },
      context: withRecoveryArmed(state.context, event.at),
    }),
  },
];

/** The spec of the family `key` belongs to, or undefined when no family lists it. */
export function specOf(key: TransitionKey): TransitionSpec | undefined {
  return TRANSITION_SPECS.find((spec) => spec.keys.includes(key));
}

/**
 * The families whose rule must fire in `state` on `event`: the event's own rules for the first
 * microstep, the eventless ones after it.
 */
export function specsThatApply(state: PolicyState, event: ModelEvent, microstep: number): TransitionSpec[] {
  return TRANSITION_SPECS.filter((spec) => {
    const triggered =
      microstep > 0 ? spec.trigger === 'eventless' : isDelayElapsed(event) ? spec.trigger === 'delay' : spec.trigger === event.type;
    return triggered && spec.applies(state, event);
  });
}
