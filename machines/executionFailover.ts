/**
 * The failover policy as an XState v5 statechart.
 *
 * The machine is pure: every event carries the time it happened at (`at`, epoch ms), so the
 * machine never reads a clock, and its effects (`alert`, `requestHealthCheck`) are named here and
 * implemented by whoever runs it, through `.provide()`. Its two timers are computed from deadlines
 * kept in context, so a restored snapshot re-arms them on `RESTORED` (XState does not re-arm
 * timers on restore: statelyai/xstate#5331): the recovery delay (an `after` of the recovery
 * region) and the end of the earliest maintenance (`MAINTENANCE_DUE`, which the machine raises to
 * itself with a delay, as it must run in every state).
 */
import { assertEvent, assign, setup, type SnapshotFrom } from 'xstate';
import { freshRecord, freshRecords, recordAfterCall, recordAfterProbes, recordAfterTrip, windowsEnabled } from './callRules.js';
import { perEngine, type EngineId, type TopState } from './engines.js';
import { activeEngineTransitions, pausedTransitions, recoveryRegion, type PolicyAlertKind } from './failoverTransitions.js';
import { isMaintenancePause, tripGuard, withMaintenanceOf } from './guardRules.js';
import { MAINTENANCE_PAUSE, endsMaintenance, maintenanceAfter, nextMaintenanceEnd, type MaintenanceEvent } from './maintenance.js';
import {
  HISTORY_LIMIT,
  effectiveRecoveryTimeout,
  firstCandidate,
  initialContext,
  nextAvailableAfter,
  probedEngines,
  recoveredBy,
  recoveryCheckFails,
  recoveryTimeoutAfterTrip,
  resumeTarget,
  streaksAfter,
  type FailoverContext,
  type PolicySettings,
  type TransitionReason,
  type TripReason,
} from './policy.js';

export type { PolicyAlertKind } from './failoverTransitions.js';

/** Health probe results of one round: true healthy, false unhealthy; engines not probed are absent. */
export type ProbeResults = Partial<Record<EngineId, boolean>>;

/**
 * The events the policy understands. `at` is when it happened, in epoch milliseconds; `durationMs`
 * of a call is how long the engine took to answer (absent: not measured, never slow).
 */
export type FailoverEvent =
  | { readonly type: 'EXECUTION_SUCCEEDED'; readonly engine: EngineId; readonly at: number; readonly durationMs?: number }
  | { readonly type: 'EXECUTION_FAILED'; readonly engine: EngineId; readonly at: number; readonly durationMs?: number }
  | { readonly type: 'HEALTH_CHECKED'; readonly results: ProbeResults; readonly at: number }
  | { readonly type: 'PAUSE'; readonly reason: string; readonly at: number }
  | { readonly type: 'RESUME'; readonly at: number }
  | { readonly type: 'SWITCH'; readonly engine: EngineId; readonly at: number }
  | { readonly type: 'RESTORED'; readonly at: number }
  | MaintenanceEvent;

/** What the machine is started with. */
export interface FailoverInput {
  readonly settings: PolicySettings;
}

/** The reason recorded when every engine of the chain has failed. */
export const ALL_ENGINES_FAILED = 'all_engines_failed';

/** The id of the machine's delayed `MAINTENANCE_DUE` to itself. */
// Stryker disable next-line StringLiteral: only a name; the cancel and the raise both read it from here.
const MAINTENANCE_TIMER = 'maintenanceDue';

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

/** The machine's named pieces. */
const failoverSetup = setup({
  // XState reads the machine's types from this assertion; it is not a cast of a value.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
  types: {} as {
    context: FailoverContext;
    events: FailoverEvent;
    input: FailoverInput;
  },
  actions: {
    countFailure: assign(({ context, event }) => {
      assertEvent(event, 'EXECUTION_FAILED');
      return recordAfterCall(context, event);
    }),
    countSuccess: assign(({ context, event }) => {
      assertEvent(event, 'EXECUTION_SUCCEEDED');
      return recordAfterCall(context, event);
    }),
    /** Counts the call that trips the engine in use and accounts for ping-pong. */
    tripEngine: assign(({ context, event }, params: { reason: TripReason }) => {
      assertEvent(event, ['EXECUTION_FAILED', 'EXECUTION_SUCCEEDED']);
      return {
        ...recordAfterTrip(context, event, params.reason),
        recoveryTimeoutSeconds: recoveryTimeoutAfterTrip(context, event.engine, event.at),
        failback: null,
      };
    }),
    /** Takes a probe round: availability, streaks, and a tripped engine's record once it recovered. */
    recordHealth: assign(({ context, event }) => {
      assertEvent(event, 'HEALTH_CHECKED');
      const streaks = streaksAfter(context, event.results);
      return {
        probeHealthy: perEngine((engine) => event.results[engine] ?? context.probeHealthy[engine]),
        healthyStreaks: streaks,
        ...recordAfterProbes(context, streaks),
      };
    }),
    /** Starts a recovery check: only probes from now on count towards recovery. */
    startRecoveryCheck: assign(({ context }, params: { active: EngineId | null }) => {
      const probed = probedEngines(context.settings, params.active);
      return {
        healthyStreaks: perEngine((engine) => (probed.includes(engine) ? 0 : context.healthyStreaks[engine])),
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
      ...freshRecord(context, params.engine),
      failback: { engine: params.engine, at: eventTime(event), timeoutSeconds: context.recoveryTimeoutSeconds },
    })),
    operatorSwitch: assign(({ context }, params: { engine: EngineId }) => ({
      ...freshRecord(context, params.engine),
      failback: null,
    })),
    resetFailures: assign(({ context }) => ({
      ...freshRecords(),
      failback: null,
      recoveryTimeoutSeconds: context.settings.recoveryTimeoutSeconds,
    })),
    holdForOperator: assign(({ event }) => {
      assertEvent(event, 'PAUSE');
      // The policy's own reason marks a pause auto-resume may end: an operator's must never pass for it.
      return { pausedReason: event.reason === ALL_ENGINES_FAILED ? `operator: ${event.reason}` : event.reason };
    }),
    holdForAllFailed: assign({ pausedReason: ALL_ENGINES_FAILED }),
    holdForMaintenance: assign({ pausedReason: MAINTENANCE_PAUSE }),
    clearPause: assign({ pausedReason: null }),
    changeMaintenance: assign(({ context, event }) => {
      assertEvent(event, ['MAINTENANCE_STARTED', 'MAINTENANCE_ENDED', 'MAINTENANCE_DUE']);
      return { maintenance: maintenanceAfter(context.maintenance, event) };
    }),
    /**
     * (Re-)schedules `MAINTENANCE_DUE` for the earliest `until` in context; implemented below with
     * the setup's own `enqueueActions`, which types it against these actions.
     */
    armMaintenanceTimer: (_args, _params: undefined) => {},
    recordTransition: assign(({ context, event }, params: TransitionParams) => {
      const record = { from: params.from, to: params.to, reason: params.reason, at: eventTime(event) };
      return { lastTransition: record, history: [...context.history, record].slice(-HISTORY_LIMIT) };
    }),
    /** Tells people; implemented by the service (webhook and log). */
    alert: (_args, _params: { kind: PolicyAlertKind }) => {},
    /** Asks for a probe round now rather than at the next interval; implemented by the prober. */
    requestHealthCheck: () => {},
  },
  // A guard runs only on the events of the transitions that name it: `assertEvent` types the event
  // for it (and would fail loudly otherwise) rather than testing the type again.
  guards: {
    /** A success changes something when the engine had failures or a window counts it. */
    successCounts: ({ context, event }) => {
      assertEvent(event, 'EXECUTION_SUCCEEDED');
      return context.failures[event.engine] > 0 || windowsEnabled(context.settings);
    },
    tripsTo: tripGuard('threshold'),
    failureRateTripsTo: tripGuard('failure_rate'),
    slowCallsTripsTo: tripGuard('slow_calls'),
    switchTargetIs: ({ context, event }, params: { engine: EngineId }) => {
      assertEvent(event, 'SWITCH');
      return event.engine === params.engine && context.maintenance[params.engine] === null;
    },
    recovers: ({ context, event }, params: { active: EngineId | null; engine: EngineId }) => {
      assertEvent(event, 'HEALTH_CHECKED');
      return recoveredBy(context, params.active, event.results) === params.engine;
    },
    recoveryCheckFails: ({ context, event }, params: { active: EngineId | null }) => {
      assertEvent(event, 'HEALTH_CHECKED');
      return recoveryCheckFails(context, params.active, event.results);
    },
    resumesTo: ({ context }, params: { engine: EngineId }) => resumeTarget(context) === params.engine,
    autoResumeApplies: ({ context }) => context.settings.autoResume && context.pausedReason === ALL_ENGINES_FAILED,
    maintenanceMovesTo: ({ context, event }, params: { active: EngineId; next: EngineId | null }) => {
      assertEvent(event, 'MAINTENANCE_STARTED');
      return event.engine === params.active && nextAvailableAfter(withMaintenanceOf(context, event), params.active) === params.next;
    },
    endsMaintenance: ({ context, event }) => {
      assertEvent(event, ['MAINTENANCE_ENDED', 'MAINTENANCE_DUE']);
      return endsMaintenance(context.maintenance, event);
    },
    maintenanceOverTo: ({ context, event }, params: { engine: EngineId }) => {
      assertEvent(event, ['MAINTENANCE_ENDED', 'MAINTENANCE_DUE']);
      return isMaintenancePause(context) && endsMaintenance(context.maintenance, event) && firstCandidate(withMaintenanceOf(context, event)) === params.engine;
    },
    maintenanceDeadlinePending: ({ context }) => nextMaintenanceEnd(context.maintenance) !== null,
  },
  delays: {
    /** Until the recovery deadline, measured from when it was (re-)armed. */
    recoveryDelay: ({ context }) => Math.max(0, (context.recoveryDeadline ?? 0) - (context.recoveryArmedAt ?? 0)),
  },
});

/** Cancels the pending `MAINTENANCE_DUE` and raises the next one, delayed to the earliest `until`. */
const armMaintenanceTimer = failoverSetup.enqueueActions(({ context, event, enqueue }) => {
  enqueue.cancel(MAINTENANCE_TIMER);
  const deadline = nextMaintenanceEnd(context.maintenance);
  // Stryker disable next-line ConditionalExpression: a MAINTENANCE_DUE without a deadline ends nothing (no maintenance has an until), so the machine ignores it.
  if (deadline === null) return;
  enqueue.raise({ type: 'MAINTENANCE_DUE', at: deadline }, { id: MAINTENANCE_TIMER, delay: Math.max(0, deadline - eventTime(event)) });
});

/** The machine definition with its named pieces; run it through `.provide()` with real effects. */
export const failoverMachine = failoverSetup
  .createMachine({
    id: 'failover',
    context: ({ input }) => initialContext(input.settings),
    // Stryker disable next-line StringLiteral: XState starts in the first child when `initial` is empty, and this is it.
    initial: 'primaryActive',
    on: {
      // A success that changes nothing makes no new snapshot: nothing to save.
      EXECUTION_SUCCEEDED: { guard: 'successCounts', actions: 'countSuccess' },
      EXECUTION_FAILED: { actions: 'countFailure' },
      HEALTH_CHECKED: { actions: 'recordHealth' },
      MAINTENANCE_STARTED: { actions: ['changeMaintenance', 'armMaintenanceTimer'] },
      MAINTENANCE_ENDED: { guard: 'endsMaintenance', actions: ['changeMaintenance', 'armMaintenanceTimer'] },
      MAINTENANCE_DUE: { guard: 'endsMaintenance', actions: ['changeMaintenance', 'armMaintenanceTimer'] },
      // The recovery region re-arms both timers itself; elsewhere only a maintenance end can be pending.
      RESTORED: { guard: 'maintenanceDeadlinePending', actions: 'armMaintenanceTimer' },
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
        description: 'Nothing is consumed; signals wait in Redis for an operator (or auto-resume, or the end of maintenance).',
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
        on: pausedTransitions(),
      },
    },
  })
  .provide({ actions: { armMaintenanceTimer } });

/** A snapshot of the failover machine: its state value, context and status. */
export type FailoverSnapshot = SnapshotFrom<typeof failoverMachine>;
