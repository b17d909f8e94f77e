/**
 * The failover policy as an XState v5 statechart.
 *
 * The machine is pure: every event carries the time it happened at (`at`, epoch ms), so the
 * machine never reads a clock, and its effects (`alert`, `requestHealthCheck`) are named here and
 * implemented by whoever runs it, through `.provide()`. The one timer, the recovery delay, is
 * computed from a deadline kept in context, so a restored snapshot re-arms it on `RESTORED`
 * (XState does not re-arm `after` timers on restore: statelyai/xstate#5331).
 */
import { assertEvent, assign, setup, type SnapshotFrom } from 'xstate';
import { ENGINE_IDS, perEngine, priorityOf, stateOfEngine, type EngineId, type TopState } from './engines.js';
import {
  HISTORY_LIMIT,
  effectiveRecoveryTimeout,
  failureTrips,
  initialContext,
  nextAvailableAfter,
  recoveredBy,
  recoveryCandidates,
  recoveryCheckFails,
  recoveryTimeoutAfterTrip,
  resumeTarget,
  streaksAfter,
  type FailoverContext,
  type PolicySettings,
  type TransitionReason,
} from './policy.js';

/** Health probe results of one round: true healthy, false unhealthy; engines not probed are absent. */
export type ProbeResults = Partial<Record<EngineId, boolean>>;

/** The events the policy understands. `at` is when it happened, in epoch milliseconds. */
export type FailoverEvent =
  | { readonly type: 'EXECUTION_SUCCEEDED'; readonly engine: EngineId; readonly at: number }
  | { readonly type: 'EXECUTION_FAILED'; readonly engine: EngineId; readonly at: number }
  | { readonly type: 'HEALTH_CHECKED'; readonly results: ProbeResults; readonly at: number }
  | { readonly type: 'PAUSE'; readonly reason: string; readonly at: number }
  | { readonly type: 'RESUME'; readonly at: number }
  | { readonly type: 'SWITCH'; readonly engine: EngineId; readonly at: number }
  | { readonly type: 'RESTORED'; readonly at: number };

/** What the machine is started with. */
export interface FailoverInput {
  readonly settings: PolicySettings;
}

/** The kinds of alert the policy raises; the contract's `event` field of an alert. */
export type PolicyAlertKind = 'failover' | 'recovery' | 'paused' | 'resumed';

/** The reason recorded when every engine of the chain has failed. */
export const ALL_ENGINES_FAILED = 'all_engines_failed';

interface TransitionParams {
  readonly from: TopState;
  readonly to: TopState;
  readonly reason: TransitionReason;
}

function eventTime(event: FailoverEvent): number {
  return event.at;
}

/** The event's time, or null for XState's own start event, which carries none. */
function eventTimeIfAny(event: FailoverEvent): number | null {
  return typeof event.at === 'number' ? event.at : null;
}

/** The machine definition with its named pieces; run it through `.provide()` with real effects. */
export const failoverMachine = setup({
  types: {} as {
    context: FailoverContext;
    events: FailoverEvent;
    input: FailoverInput;
  },
  actions: {
    countFailure: assign(({ context, event }) => {
      assertEvent(event, 'EXECUTION_FAILED');
      return { failures: { ...context.failures, [event.engine]: context.failures[event.engine] + 1 } };
    }),
    countSuccess: assign(({ context, event }) => {
      assertEvent(event, 'EXECUTION_SUCCEEDED');
      return { failures: { ...context.failures, [event.engine]: 0 } };
    }),
    /** Counts the failure that trips the engine and accounts for ping-pong. */
    tripEngine: assign(({ context, event }) => {
      assertEvent(event, 'EXECUTION_FAILED');
      return {
        failures: { ...context.failures, [event.engine]: context.failures[event.engine] + 1 },
        recoveryTimeoutSeconds: recoveryTimeoutAfterTrip(context, event.engine, event.at),
        failback: null,
      };
    }),
    /** Takes a probe round: availability, streaks, and a tripped engine's count once it recovered. */
    recordHealth: assign(({ context, event }) => {
      assertEvent(event, 'HEALTH_CHECKED');
      const streaks = streaksAfter(context, event.results);
      const { failureThreshold, recoverySuccesses } = context.settings;
      return {
        probeHealthy: perEngine((engine) => event.results[engine] ?? context.probeHealthy[engine]),
        healthyStreaks: streaks,
        failures: perEngine((engine) =>
          streaks[engine] >= recoverySuccesses && context.failures[engine] >= failureThreshold
            ? 0
            : context.failures[engine],
        ),
      };
    }),
    /** Starts a recovery check: only probes from now on count towards recovery. */
    startRecoveryCheck: assign(({ context }, params: { active: EngineId | null }) => {
      const candidates = recoveryCandidates(context.settings, params.active);
      return {
        healthyStreaks: perEngine((engine) => (candidates.includes(engine) ? 0 : context.healthyStreaks[engine])),
      };
    }),
    scheduleRecovery: assign(({ context, event }) => {
      const at = eventTime(event);
      return {
        recoveryTimeoutSeconds: effectiveRecoveryTimeout(context, at),
        recoveryDeadline: at + effectiveRecoveryTimeout(context, at) * 1000,
        recoveryArmedAt: at,
      };
    }),
    /** After a restore: the deadline stands, only the time it is measured from moves. */
    rearmRecovery: assign(({ event }) => ({ recoveryArmedAt: eventTime(event) })),
    clearRecovery: assign({ recoveryDeadline: null, recoveryArmedAt: null }),
    /** The primary is in use from now: the start of the stability a doubled timeout decays after. */
    markPrimaryInUse: assign(({ event }) => ({ stableSince: eventTimeIfAny(event) })),
    clearStability: assign({ stableSince: null }),
    failBack: assign(({ context, event }, params: { engine: EngineId }) => ({
      failures: { ...context.failures, [params.engine]: 0 },
      failback: { engine: params.engine, at: eventTime(event), timeoutSeconds: context.recoveryTimeoutSeconds },
    })),
    operatorSwitch: assign(({ context }, params: { engine: EngineId }) => ({
      failures: { ...context.failures, [params.engine]: 0 },
      failback: null,
    })),
    resetFailures: assign(({ context }) => ({
      failures: perEngine(() => 0),
      failback: null,
      recoveryTimeoutSeconds: context.settings.recoveryTimeoutSeconds,
    })),
    holdForOperator: assign(({ event }) => {
      assertEvent(event, 'PAUSE');
      // The policy's own reason marks a pause auto-resume may end: an operator's must never pass for it.
      return { pausedReason: event.reason === ALL_ENGINES_FAILED ? `operator: ${event.reason}` : event.reason };
    }),
    holdForAllFailed: assign({ pausedReason: ALL_ENGINES_FAILED }),
    clearPause: assign({ pausedReason: null }),
    recordTransition: assign(({ context, event }, params: TransitionParams) => {
      const record = { from: params.from, to: params.to, reason: params.reason, at: eventTime(event) };
      return { lastTransition: record, history: [...context.history, record].slice(-HISTORY_LIMIT) };
    }),
    /** Tells people; implemented by the service (webhook and log). */
    alert: (_args, _params: { kind: PolicyAlertKind }) => {},
    /** Asks for a probe round now rather than at the next interval; implemented by the prober. */
    requestHealthCheck: () => {},
  },
  guards: {
    hasFailures: ({ context, event }) => event.type === 'EXECUTION_SUCCEEDED' && context.failures[event.engine] > 0,
    tripsTo: ({ context, event }, params: { active: EngineId; next: EngineId | null }) =>
      event.type === 'EXECUTION_FAILED' &&
      event.engine === params.active &&
      failureTrips(context, params.active) &&
      nextAvailableAfter(context, params.active) === params.next,
    switchTargetIs: ({ event }, params: { engine: EngineId }) =>
      event.type === 'SWITCH' && event.engine === params.engine,
    recovers: ({ context, event }, params: { active: EngineId | null; engine: EngineId }) =>
      event.type === 'HEALTH_CHECKED' && recoveredBy(context, params.active, event.results) === params.engine,
    recoveryCheckFails: ({ context, event }, params: { active: EngineId | null }) =>
      event.type === 'HEALTH_CHECKED' && recoveryCheckFails(context, params.active, event.results),
    resumesTo: ({ context }, params: { engine: EngineId }) => resumeTarget(context) === params.engine,
    autoResumeApplies: ({ context }) =>
      context.settings.autoResume && context.pausedReason === ALL_ENGINES_FAILED,
  },
  delays: {
    /** Until the recovery deadline, measured from when it was (re-)armed. */
    recoveryDelay: ({ context }) =>
      Math.max(0, (context.recoveryDeadline ?? 0) - (context.recoveryArmedAt ?? 0)),
  },
}).createMachine({
  id: 'failover',
  context: ({ input }) => initialContext(input.settings),
  // Stryker disable next-line StringLiteral: XState starts in the first child when `initial` is empty, and this is it.
  initial: 'primaryActive',
  on: {
    // A success on an engine without failures changes nothing: no new snapshot, nothing to save.
    EXECUTION_SUCCEEDED: { guard: 'hasFailures', actions: 'countSuccess' },
    EXECUTION_FAILED: { actions: 'countFailure' },
    HEALTH_CHECKED: { actions: 'recordHealth' },
  },
  states: {
    primaryActive: {
      description: 'LEAN self-hosted receives the signals.',
      entry: 'markPrimaryInUse',
      on: activeEngineTransitions('lean_self_hosted'),
    },
    backup1Active: {
      description: 'QuantTrader/PyBroker receives the signals; the primary is probed for recovery.',
      // The timeout is taken before the primary's stability is forgotten: a stable primary has decayed it.
      entry: ['scheduleRecovery', 'clearStability'],
      exit: 'clearRecovery',
      on: activeEngineTransitions('quanttrader_pybroker'),
      ...recoveryRegion('quanttrader_pybroker'),
    },
    backup2Active: {
      description: 'NautilusTrader receives the signals; the higher-priority engines are probed for recovery.',
      entry: ['scheduleRecovery', 'clearStability'],
      exit: 'clearRecovery',
      on: activeEngineTransitions('nautilus_trader'),
      ...recoveryRegion('nautilus_trader'),
    },
    paused: {
      description: 'Nothing is consumed; signals wait in Redis for an operator (or auto-resume).',
      entry: 'clearStability',
      exit: 'clearPause',
      // Stryker disable next-line StringLiteral: XState starts in the first child when `initial` is empty, and this is it.
      initial: 'holding',
      states: {
        holding: {
          always: { guard: 'autoResumeApplies', target: 'autoResuming' },
        },
        autoResuming: {
          entry: 'scheduleRecovery',
          exit: 'clearRecovery',
          ...recoveryRegion(null),
        },
      },
      on: {
        RESUME: ENGINE_IDS.map((engine) => ({
          guard: { type: 'resumesTo' as const, params: { engine } },
          target: `#failover.${stateOfEngine(engine)}`,
          actions: [
            { type: 'resetFailures' as const },
            recordTransition('paused', stateOfEngine(engine), 'operator'),
            alert('resumed'),
          ],
        })),
        SWITCH: ENGINE_IDS.map((engine) => ({
          guard: { type: 'switchTargetIs' as const, params: { engine } },
          target: `#failover.${stateOfEngine(engine)}`,
          actions: [
            { type: 'operatorSwitch' as const, params: { engine } },
            recordTransition('paused', stateOfEngine(engine), 'operator'),
            alert('resumed'),
          ],
        })),
        PAUSE: { target: '.holding', actions: 'holdForOperator' },
      },
    },
  },
});

/** A snapshot of the failover machine: its state value, context and status. */
export type FailoverSnapshot = SnapshotFrom<typeof failoverMachine>;

function recordTransition(from: TopState, to: TopState, reason: TransitionReason) {
  return { type: 'recordTransition' as const, params: { from, to, reason } };
}

function alert(kind: PolicyAlertKind) {
  return { type: 'alert' as const, params: { kind } };
}

/** Failures, operator pause and operator switch, for the state in which `active` is in use. */
function activeEngineTransitions(active: EngineId) {
  const from = stateOfEngine(active);
  const others = ENGINE_IDS.filter((engine) => engine !== active);
  return {
    EXECUTION_FAILED: [
      ...others.map((next) => ({
        guard: { type: 'tripsTo' as const, params: { active, next } },
        target: `#failover.${stateOfEngine(next)}`,
        actions: [
          { type: 'tripEngine' as const },
          recordTransition(from, stateOfEngine(next), 'threshold'),
          alert('failover'),
        ],
      })),
      {
        guard: { type: 'tripsTo' as const, params: { active, next: null } },
        target: '#failover.paused',
        actions: [
          { type: 'tripEngine' as const },
          { type: 'holdForAllFailed' as const },
          recordTransition(from, 'paused', 'all_engines_failed'),
          alert('paused'),
        ],
      },
      { actions: { type: 'countFailure' as const } },
    ],
    PAUSE: {
      target: '#failover.paused',
      actions: [{ type: 'holdForOperator' as const }, recordTransition(from, 'paused', 'operator'), alert('paused')],
    },
    SWITCH: ENGINE_IDS.map((engine) =>
      engine === active
        ? {
            guard: { type: 'switchTargetIs' as const, params: { engine } },
            actions: { type: 'operatorSwitch' as const, params: { engine } },
          }
        : {
            guard: { type: 'switchTargetIs' as const, params: { engine } },
            target: `#failover.${stateOfEngine(engine)}`,
            actions: [
              { type: 'operatorSwitch' as const, params: { engine } },
              recordTransition(from, stateOfEngine(engine), 'operator'),
              // Stryker disable next-line EqualityOperator: engine !== active here, so `>=` never meets a tie.
              alert(priorityOf(engine) > priorityOf(active) ? 'failover' : 'recovery'),
            ],
          },
    ),
  };
}

/**
 * Waiting for the recovery deadline, then probing the higher-priority engines (all engines of
 * the chain when `active` is null: auto-resume) until one recovers or all fail.
 */
function recoveryRegion(active: EngineId | null) {
  const from: TopState = active === null ? 'paused' : stateOfEngine(active);
  const candidates = ENGINE_IDS.filter((engine) => active === null || priorityOf(engine) < priorityOf(active));
  return {
    initial: 'waiting' as const,
    states: {
      waiting: {
        after: { recoveryDelay: { target: 'checking' as const } },
        on: { RESTORED: { target: 'waiting' as const, reenter: true, actions: { type: 'rearmRecovery' as const } } },
      },
      checking: {
        entry: [{ type: 'startRecoveryCheck' as const, params: { active } }, { type: 'requestHealthCheck' as const }],
        on: {
          HEALTH_CHECKED: [
            ...candidates.map((engine) => ({
              guard: { type: 'recovers' as const, params: { active, engine } },
              target: `#failover.${stateOfEngine(engine)}`,
              actions:
                active === null
                  ? [
                      { type: 'recordHealth' as const },
                      { type: 'resetFailures' as const },
                      recordTransition(from, stateOfEngine(engine), 'auto_resume'),
                      alert('resumed'),
                    ]
                  : [
                      { type: 'recordHealth' as const },
                      { type: 'failBack' as const, params: { engine } },
                      recordTransition(from, stateOfEngine(engine), 'recovered'),
                      alert('recovery'),
                    ],
            })),
            {
              guard: { type: 'recoveryCheckFails' as const, params: { active } },
              target: 'waiting' as const,
              actions: [{ type: 'recordHealth' as const }, { type: 'scheduleRecovery' as const }],
            },
            { actions: { type: 'recordHealth' as const } },
          ],
          RESTORED: { target: 'checking' as const, reenter: true },
        },
      },
    },
  };
}
