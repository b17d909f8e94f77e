/**
 * What each transition of the failover statechart must do, by transition family: when it applies,
 * which state it leads to and how it changes the context, given the state before and the event.
 *
 * Written from the contract with the oracle of `policyOracle.ts`, never from the machine's output.
 * Every transition key of the machine is listed under exactly one family; a key that is in the
 * machine and not here (or here and not in the machine) fails the coverage test.
 */
import { CALL_SPECS } from './callSpecs.js';
import { MAINTENANCE_SPECS } from './maintenanceSpecs.js';
import { isDelayElapsed, type ModelEvent } from './modelEvents.js';
import { ACTIVE_STATES, RECOVERY_REGIONS, key, onEvent, type TransitionSpec } from './specKit.js';
import {
  ALL_ENGINES_FAILED,
  PRIORITY,
  STATE_OF_ENGINE,
  activeEngine,
  enteredValue,
  moving,
  phaseOf,
  recoveredEngine,
  recoveryCheckFails,
  resumeTarget,
  timeoutInForce,
  topOf,
  withCheckStarted,
  withFreshEngine,
  withFreshStart,
  withPhase,
  withProbeRound,
  withRecoveryArmed,
  withRecoveryCleared,
  type PolicyState,
} from './policyOracle.js';
import type { TransitionKey } from './transitions.js';

export type { Trigger, TransitionSpec } from './specKit.js';

function switchKeys(target: 'other' | 'same'): TransitionKey[] {
  return PRIORITY.flatMap((active) =>
    PRIORITY.flatMap((engine, index) =>
      (engine === active) === (target === 'same') ? [key(`failover.${STATE_OF_ENGINE[active]}`, 'SWITCH', index, `switchTargetIs(engine=${engine})`)] : [],
    ),
  );
}

/** The transition families and the rules they must follow. */
export const TRANSITION_SPECS: readonly TransitionSpec[] = [
  ...CALL_SPECS,
  ...MAINTENANCE_SPECS,
  onEvent(
    'HEALTH_CHECKED',
    'record health',
    'A probe round outside a deciding recovery check only updates availability, streaks, and the ' + 'count of a tripped engine that recovered.',
    [
      key('failover', 'HEALTH_CHECKED', 0),
      key('failover.backup1Active.checking', 'HEALTH_CHECKED', 2),
      key('failover.backup2Active.checking', 'HEALTH_CHECKED', 3),
      key('failover.paused.autoResuming.checking', 'HEALTH_CHECKED', 4),
    ],
    (state, event) => {
      if (phaseOf(state.value) !== 'checking') return true;
      const active = activeEngine(state.value);
      return recoveredEngine(state.context, active, event.results) === null && !recoveryCheckFails(state.context, active, event.results);
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
        ...withFreshEngine(withProbeRound(context, event.results), engine),
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
    PRIORITY.map((engine, index) => key('failover.paused.autoResuming.checking', 'HEALTH_CHECKED', index, `recovers(active=null, engine=${engine})`)),
    (state, event) => phaseOf(state.value) === 'checking' && activeEngine(state.value) === null && recoveredEngine(state.context, null, event.results) !== null,
    (state, event) => {
      const engine = recoveredEngine(state.context, null, event.results);
      if (engine === null) throw new Error('Nothing recovered.');
      return moving(state, STATE_OF_ENGINE[engine], 'auto_resume', event.at, (context) => withFreshStart(withProbeRound(context, event.results)));
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
    'An operator switches to a named engine (reason operator): its count resets and the ping-pong ' + 'watch ends, with the decay that was due applied first.',
    [...switchKeys('other'), ...PRIORITY.map((engine, index) => key('failover.paused', 'SWITCH', index, `switchTargetIs(engine=${engine})`))],
    (state, event) => activeEngine(state.value) !== event.engine && state.context.maintenance[event.engine] === null,
    (state, event) =>
      moving(state, STATE_OF_ENGINE[event.engine], 'operator', event.at, (context) => ({
        ...withFreshEngine(context, event.engine),
        recoveryTimeoutSeconds: timeoutInForce(state.context, event.at),
        failback: null,
      })),
  ),
  onEvent(
    'SWITCH',
    'switch to the active engine',
    'Switching to the engine already active stays put and only resets its count and the ping-pong watch.',
    switchKeys('same'),
    (state, event) => activeEngine(state.value) === event.engine && state.context.maintenance[event.engine] === null,
    (state, event) => ({
      value: state.value,
      context: {
        ...withFreshEngine(state.context, event.engine),
        recoveryTimeoutSeconds: timeoutInForce(state.context, event.at),
        failback: null,
      },
    }),
  ),
  onEvent(
    'RESUME',
    'resume',
    'An operator’s resume leaves the pause for the preferred engine not in maintenance and not ' +
      'known unhealthy, with every count reset and the base recovery timeout (reason operator); ' +
      'with every engine in maintenance it stays paused.',
    PRIORITY.map((engine, index) => key('failover.paused', 'RESUME', index, `resumesTo(engine=${engine})`)),
    (state) => topOf(state.value) === 'paused' && resumeTarget(state.context) !== null,
    (state, event) => {
      const target = resumeTarget(state.context);
      if (target === null) throw new Error('Every engine is in maintenance: nothing to resume to.');
      return moving(state, STATE_OF_ENGINE[target], 'operator', event.at, (context) => withFreshStart(context));
    },
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
    rule: 'At the recovery deadline the policy starts probing the preferred engines; only probes from ' + 'then on count towards recovery.',
    trigger: 'delay',
    keys: RECOVERY_REGIONS.map((region) => key(`${region}.waiting`, 'after(recoveryDelay)', 0)),
    applies: (state, event) =>
      isDelayElapsed(event) && phaseOf(state.value) === 'waiting' && state.context.recoveryDeadline !== null && event.at >= state.context.recoveryDeadline,
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
    applies: (state) => phaseOf(state.value) === 'holding' && state.context.settings.autoResume && state.context.pausedReason === ALL_ENGINES_FAILED,
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
    const triggered = microstep > 0 ? spec.trigger === 'eventless' : isDelayElapsed(event) ? spec.trigger === 'delay' : spec.trigger === event.type;
    return triggered && spec.applies(state, event);
  });
}
