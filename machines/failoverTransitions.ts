/**
 * The transitions of the failover statechart's states, built per engine: what the active engine's
 * state does on failures, slow calls, maintenance, pause and switch, the recovery region of the
 * backups and of auto-resume, and the pause's ways out. Plain data naming the machine's guards and
 * actions (`executionFailover.ts`), which type-checks them where the machine is created.
 */
import { ENGINE_IDS, priorityOf, stateOfEngine, type EngineId, type TopState } from './engines.js';
import type { TransitionReason, TripReason } from './policy.js';

/** The kinds of alert the policy raises; the contract's `event` field of an alert. */
export type PolicyAlertKind = 'failover' | 'recovery' | 'paused' | 'resumed';

export function recordTransition(from: TopState, to: TopState, reason: TransitionReason) {
  return { type: 'recordTransition' as const, params: { from, to, reason } };
}

export function alert(kind: PolicyAlertKind) {
  return { type: 'alert' as const, params: { kind } };
}

/** The guard of a trip by each rule: one name per rule, so the drawing tells the arrows apart. */
const TRIP_GUARDS = { threshold: 'tripsTo', failure_rate: 'failureRateTripsTo', slow_calls: 'slowCallsTripsTo' } as const;

/** The trips of `active` by each of `reasons`: to each other engine, then to `paused` when none is left. */
function tripCandidates(active: EngineId, reasons: readonly TripReason[]) {
  const from = stateOfEngine(active);
  const others = ENGINE_IDS.filter((engine) => engine !== active);
  return reasons.flatMap((reason) => [
    ...others.map((next) => ({
      guard: { type: TRIP_GUARDS[reason], params: { active, next } },
      target: `#failover.${stateOfEngine(next)}`,
      actions: [{ type: 'tripEngine' as const, params: { reason } }, recordTransition(from, stateOfEngine(next), reason), alert('failover')],
    })),
    {
      guard: { type: TRIP_GUARDS[reason], params: { active, next: null } },
      target: '#failover.paused',
      actions: [
        { type: 'tripEngine' as const, params: { reason } },
        { type: 'holdForAllFailed' as const },
        recordTransition(from, 'paused', 'all_engines_failed'),
        alert('paused'),
      ],
    },
  ]);
}

/** The active engine put into maintenance: to the next candidate, or to `paused` when none is left. */
function maintenanceCandidates(active: EngineId) {
  const from = stateOfEngine(active);
  const others = ENGINE_IDS.filter((engine) => engine !== active);
  const starting = [{ type: 'changeMaintenance' as const }, { type: 'armMaintenanceTimer' as const }];
  return [
    ...others.map((next) => ({
      guard: { type: 'maintenanceMovesTo' as const, params: { active, next } },
      target: `#failover.${stateOfEngine(next)}`,
      actions: [...starting, recordTransition(from, stateOfEngine(next), 'maintenance'), alert('failover')],
    })),
    {
      guard: { type: 'maintenanceMovesTo' as const, params: { active, next: null } },
      target: '#failover.paused',
      actions: [...starting, { type: 'holdForMaintenance' as const }, recordTransition(from, 'paused', 'maintenance'), alert('paused')],
    },
  ];
}

/** Failures, slow calls, maintenance, operator pause and operator switch, for the state in which `active` is in use. */
export function activeEngineTransitions(active: EngineId) {
  const from = stateOfEngine(active);
  return {
    EXECUTION_FAILED: [...tripCandidates(active, ['threshold', 'failure_rate', 'slow_calls']), { actions: { type: 'countFailure' as const } }],
    // A success trips by the window rules only; one that trips nothing is counted at the root.
    EXECUTION_SUCCEEDED: tripCandidates(active, ['failure_rate', 'slow_calls']),
    MAINTENANCE_STARTED: maintenanceCandidates(active),
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

/** The ways out of `paused`: an operator's resume or switch, and the end of a maintenance pause. */
export function pausedTransitions() {
  const maintenanceOver = ENGINE_IDS.map((engine) => ({
    guard: { type: 'maintenanceOverTo' as const, params: { engine } },
    target: `#failover.${stateOfEngine(engine)}`,
    actions: [
      { type: 'changeMaintenance' as const },
      { type: 'armMaintenanceTimer' as const },
      recordTransition('paused', stateOfEngine(engine), 'maintenance_over'),
      alert('resumed'),
    ],
  }));
  return {
    RESUME: ENGINE_IDS.map((engine) => ({
      guard: { type: 'resumesTo' as const, params: { engine } },
      target: `#failover.${stateOfEngine(engine)}`,
      actions: [{ type: 'resetFailures' as const }, recordTransition('paused', stateOfEngine(engine), 'operator'), alert('resumed')],
    })),
    SWITCH: ENGINE_IDS.map((engine) => ({
      guard: { type: 'switchTargetIs' as const, params: { engine } },
      target: `#failover.${stateOfEngine(engine)}`,
      actions: [{ type: 'operatorSwitch' as const, params: { engine } }, recordTransition('paused', stateOfEngine(engine), 'operator'), alert('resumed')],
    })),
    MAINTENANCE_ENDED: maintenanceOver,
    MAINTENANCE_DUE: maintenanceOver,
    PAUSE: { target: '.holding', actions: 'holdForOperator' as const },
  };
}

/**
 * Waiting for the recovery deadline, then probing the higher-priority engines (all engines of
 * the chain when `active` is null: auto-resume) until one recovers or all fail.
 */
export function recoveryRegion(active: EngineId | null) {
  const from: TopState = active === null ? 'paused' : stateOfEngine(active);
  const candidates = ENGINE_IDS.filter((engine) => active === null || priorityOf(engine) < priorityOf(active));
  return {
    // Stryker disable next-line StringLiteral: XState starts in the first child when `initial` is empty, and this is it.
    initial: 'waiting' as const,
    states: {
      waiting: {
        after: { recoveryDelay: { target: 'checking' as const } },
        on: {
          RESTORED: {
            target: 'waiting' as const,
            reenter: true,
            actions: [{ type: 'rearmRecovery' as const }, { type: 'armMaintenanceTimer' as const }],
          },
        },
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
          RESTORED: { target: 'checking' as const, reenter: true, actions: { type: 'armMaintenanceTimer' as const } },
        },
      },
    },
  };
}
