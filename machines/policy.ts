/**
 * The failover policy's data and the pure rules the statechart's guards and actions are made of.
 * Everything here is a function of the context and an event: no clock, no I/O.
 */
import { EMPTY_WINDOW, type CallWindow } from './callWindow.js';
import { ENGINE_IDS, PRIMARY_ENGINE, perEngine, priorityOf, type EngineId, type TopState } from './engines.js';
import { noMaintenance, type MaintenanceMap } from './maintenance.js';

/** The policy variables of the contract's section 2, in seconds where they are durations. */
export interface PolicySettings {
  /** `EXECUTION_FAILOVER_THRESHOLD`: consecutive failures that trip an engine. */
  readonly failureThreshold: number;
  /** `EXECUTION_FAILOVER_TIMEOUT`: base seconds between entering a backup and probing for recovery. */
  readonly recoveryTimeoutSeconds: number;
  /** `EXECUTION_FAILOVER_TIMEOUT_MAX`: the cap of the doubling recovery timeout. */
  readonly recoveryTimeoutMaxSeconds: number;
  /** `EXECUTION_ENGINE_FAILOVER`: false makes the chain the primary alone. */
  readonly failoverEnabled: boolean;
  /** `EXECUTION_RECOVERY_SUCCESSES`: consecutive healthy probes that make an engine recovered. */
  readonly recoverySuccesses: number;
  /** `EXECUTION_HEALTH_CHECK_INTERVAL`: seconds between health probes. */
  readonly healthCheckIntervalSeconds: number;
  /** `EXECUTION_AUTO_RESUME`: leave `paused` by itself when an engine recovers after all failed. */
  readonly autoResume: boolean;
  /** `EXECUTION_FAILURE_RATE_THRESHOLD`: percent of failed calls in the window that trips; null: off. */
  readonly failureRateThreshold: number | null;
  /** `EXECUTION_FAILURE_RATE_WINDOW`: seconds of calls the failure-rate and slow-call rules look at. */
  readonly failureRateWindowSeconds: number;
  /** `EXECUTION_FAILURE_RATE_MIN_CALLS`: calls in the window before either rate rule may trip. */
  readonly failureRateMinCalls: number;
  /** `EXECUTION_SLOW_CALL_MS`: a call answered after more than this is slow; null: off. */
  readonly slowCallMs: number | null;
  /** `EXECUTION_SLOW_CALL_RATE_THRESHOLD`: percent of slow calls in the window that trips. */
  readonly slowCallRateThreshold: number;
}

/**
 * The contract's name (section 6) of the variable that sets each field of {@link PolicySettings}.
 * Keyed by field, so the type checker sees that every setting has its variable and the service's
 * configuration, the scenario files and the simulation's report can name it from here.
 */
export const POLICY_VARIABLES = {
  failureThreshold: 'EXECUTION_FAILOVER_THRESHOLD',
  recoveryTimeoutSeconds: 'EXECUTION_FAILOVER_TIMEOUT',
  recoveryTimeoutMaxSeconds: 'EXECUTION_FAILOVER_TIMEOUT_MAX',
  failoverEnabled: 'EXECUTION_ENGINE_FAILOVER',
  recoverySuccesses: 'EXECUTION_RECOVERY_SUCCESSES',
  healthCheckIntervalSeconds: 'EXECUTION_HEALTH_CHECK_INTERVAL',
  autoResume: 'EXECUTION_AUTO_RESUME',
  failureRateThreshold: 'EXECUTION_FAILURE_RATE_THRESHOLD',
  failureRateWindowSeconds: 'EXECUTION_FAILURE_RATE_WINDOW',
  failureRateMinCalls: 'EXECUTION_FAILURE_RATE_MIN_CALLS',
  slowCallMs: 'EXECUTION_SLOW_CALL_MS',
  slowCallRateThreshold: 'EXECUTION_SLOW_CALL_RATE_THRESHOLD',
} as const satisfies { readonly [Field in keyof PolicySettings]: string };

/** The defaults of the contract's section 6. */
export const DEFAULT_POLICY_SETTINGS: PolicySettings = Object.freeze({
  failureThreshold: 5,
  recoveryTimeoutSeconds: 300,
  recoveryTimeoutMaxSeconds: 3600,
  failoverEnabled: true,
  recoverySuccesses: 2,
  healthCheckIntervalSeconds: 10,
  autoResume: false,
  failureRateThreshold: null,
  failureRateWindowSeconds: 60,
  failureRateMinCalls: 20,
  slowCallMs: null,
  slowCallRateThreshold: 50,
});

/** Why the policy moves between top-level states: every reason a transition record may carry. */
export const TRANSITION_REASONS = [
  'threshold',
  'failure_rate',
  'slow_calls',
  'maintenance',
  'maintenance_over',
  'all_engines_failed',
  'recovered',
  'operator',
  'auto_resume',
] as const;

/** The rules that trip an engine: consecutive failures, or one of the window's shares. */
export type TripReason = 'threshold' | RateTripReason;

/** The window rules: the share of failed calls, the share of slow calls. */
export type RateTripReason = 'failure_rate' | 'slow_calls';

/** Why the policy moved between top-level states. */
export type TransitionReason = (typeof TRANSITION_REASONS)[number];

/** One move between top-level states; `at` is epoch milliseconds. */
export interface TransitionRecord {
  readonly from: TopState;
  readonly to: TopState;
  readonly reason: TransitionReason;
  readonly at: number;
}

/** The last switch back to a higher-priority engine, kept to spot ping-pong. */
export interface Failback {
  readonly engine: EngineId;
  readonly at: number;
  readonly timeoutSeconds: number;
}

/**
 * The statechart's context. Plain JSON, so a persisted snapshot restores it whole, recovery
 * deadline included.
 */
export interface FailoverContext {
  readonly settings: PolicySettings;
  /** Consecutive execution failures per engine; a success resets it. */
  readonly failures: Record<EngineId, number>;
  /** The last health probe per engine: null until the first probe. */
  readonly probeHealthy: Record<EngineId, boolean | null>;
  /** Consecutive healthy probes per engine, capped at `recoverySuccesses`. */
  readonly healthyStreaks: Record<EngineId, number>;
  /** The recovery timeout in force, doubled by ping-pong. */
  readonly recoveryTimeoutSeconds: number;
  /** When the pending recovery check starts (epoch ms), or null when none is pending. */
  readonly recoveryDeadline: number | null;
  /** When that deadline was armed (epoch ms): the delay is `recoveryDeadline - recoveryArmedAt`. */
  readonly recoveryArmedAt: number | null;
  readonly failback: Failback | null;
  /**
   * Since when the primary has been in use without tripping (epoch ms); null in any other state.
   * A doubled recovery timeout decays once this has lasted a full timeout.
   */
  readonly stableSince: number | null;
  readonly pausedReason: string | null;
  readonly lastTransition: TransitionRecord | null;
  /** The most recent transitions, newest last, at most `HISTORY_LIMIT`. */
  readonly history: readonly TransitionRecord[];
  /** Each engine's calls of the last `failureRateWindowSeconds`; kept empty while both rate rules are off. */
  readonly windows: Record<EngineId, CallWindow>;
  /** The window rule that tripped each engine, until it recovers or is used again; null: none. */
  readonly rateTrips: Record<EngineId, RateTripReason | null>;
  /** Each engine's maintenance; an engine in maintenance is never chosen. */
  readonly maintenance: MaintenanceMap;
}

/** How many transitions the context keeps for the status and the inspector. */
export const HISTORY_LIMIT = 50;

/** The context of a policy that has seen nothing yet. */
export function initialContext(settings: PolicySettings): FailoverContext {
  return {
    settings,
    failures: perEngine(() => 0),
    probeHealthy: perEngine(() => null),
    healthyStreaks: perEngine(() => 0),
    recoveryTimeoutSeconds: settings.recoveryTimeoutSeconds,
    recoveryDeadline: null,
    recoveryArmedAt: null,
    failback: null,
    stableSince: null,
    pausedReason: null,
    lastTransition: null,
    history: [],
    windows: perEngine(() => EMPTY_WINDOW),
    rateTrips: perEngine(() => null),
    maintenance: noMaintenance(),
  };
}

/** The engines the policy may use, in priority order: the primary alone when failover is off. */
export function chainOf(settings: PolicySettings): readonly EngineId[] {
  return settings.failoverEnabled ? ENGINE_IDS : [PRIMARY_ENGINE];
}

/**
 * False when the engine's last probe failed, its failure count is at the threshold or a window
 * rule tripped it (the status's `engines_available`).
 */
export function isAvailable(context: FailoverContext, engine: EngineId): boolean {
  return context.probeHealthy[engine] !== false && context.failures[engine] < context.settings.failureThreshold && context.rateTrips[engine] === null;
}

/** Whether the policy may choose `engine`: available and not in maintenance. */
export function isCandidate(context: FailoverContext, engine: EngineId): boolean {
  return isAvailable(context, engine) && context.maintenance[engine] === null;
}

/**
 * Where the policy goes when `tripped` trips: the next available engine after it in the chain;
 * failing that, an available higher-priority one (it recovered meanwhile); null when none is left.
 */
export function nextAvailableAfter(context: FailoverContext, tripped: EngineId): EngineId | null {
  const chain = chainOf(context.settings);
  const lower = chain.filter((engine) => priorityOf(engine) > priorityOf(tripped));
  const higher = chain.filter((engine) => priorityOf(engine) < priorityOf(tripped));
  return [...lower, ...higher].find((engine) => isCandidate(context, engine)) ?? null;
}

/** The engines a recovery check probes from `active`: the higher-priority ones of the chain. */
export function probedEngines(settings: PolicySettings, active: EngineId | null): EngineId[] {
  return chainOf(settings).filter((engine) => active === null || priorityOf(engine) < priorityOf(active));
}

/** The probed engines that may recover: those not in maintenance. */
export function recoveryCandidates(context: FailoverContext, active: EngineId | null): EngineId[] {
  return probedEngines(context.settings, active).filter((engine) => context.maintenance[engine] === null);
}

/** The streaks after a probe round: healthy extends a streak (capped), anything else ends it. */
export function streaksAfter(context: FailoverContext, results: Partial<Record<EngineId, boolean>>): Record<EngineId, number> {
  return perEngine((engine) => {
    const healthy = results[engine];
    if (healthy === undefined) return context.healthyStreaks[engine];
    return healthy ? Math.min(context.healthyStreaks[engine] + 1, context.settings.recoverySuccesses) : 0;
  });
}

/**
 * The highest-priority candidate that this probe round makes recovered, or null.
 * `active` is the engine in use (null while paused).
 */
export function recoveredBy(context: FailoverContext, active: EngineId | null, results: Partial<Record<EngineId, boolean>>): EngineId | null {
  const streaks = streaksAfter(context, results);
  return recoveryCandidates(context, active).find((engine) => streaks[engine] >= context.settings.recoverySuccesses) ?? null;
}

/** Whether this probe round leaves no candidate with a healthy streak: the check has failed. */
export function recoveryCheckFails(context: FailoverContext, active: EngineId | null, results: Partial<Record<EngineId, boolean>>): boolean {
  const streaks = streaksAfter(context, results);
  const candidates = recoveryCandidates(context, active);
  return candidates.some((engine) => results[engine] !== undefined) && candidates.every((engine) => streaks[engine] === 0);
}

/**
 * Where an operator's resume goes: the highest-priority engine not in maintenance whose last probe
 * did not fail, else the highest-priority one not in maintenance; null when all are.
 */
export function resumeTarget(context: FailoverContext): EngineId | null {
  const open = chainOf(context.settings).filter((engine) => context.maintenance[engine] === null);
  return open.find((engine) => context.probeHealthy[engine] !== false) ?? open[0] ?? null;
}

/** Where the policy resumes by itself when a maintenance pause ends: the first candidate, if any. */
export function firstCandidate(context: FailoverContext): EngineId | null {
  return chainOf(context.settings).find((engine) => isCandidate(context, engine)) ?? null;
}

/**
 * The recovery timeout once ping-pong is accounted for at time `at`. It doubles (up to the cap)
 * when the engine switched back to trips within one timeout of the switch; otherwise it is the
 * timeout in force (see `effectiveRecoveryTimeout`).
 */
export function recoveryTimeoutAfterTrip(context: FailoverContext, tripped: EngineId, at: number): number {
  const { failback, settings } = context;
  if (failback === null) return context.recoveryTimeoutSeconds;
  if (failback.engine === tripped && at - failback.at < failback.timeoutSeconds * 1000) {
    return Math.min(failback.timeoutSeconds * 2, settings.recoveryTimeoutMaxSeconds);
  }
  return effectiveRecoveryTimeout(context, at);
}

/**
 * The recovery timeout in force at `at`: back to the base once the primary has been in use for a
 * full timeout without tripping. While a backup waits to fail back, nothing has proven stable, so
 * a doubled timeout stays.
 */
export function effectiveRecoveryTimeout(context: FailoverContext, at: number): number {
  const { stableSince, settings } = context;
  if (stableSince !== null && at - stableSince >= context.recoveryTimeoutSeconds * 1000) {
    return settings.recoveryTimeoutSeconds;
  }
  return context.recoveryTimeoutSeconds;
}
