/**
 * The status JSON of `GET /admin/execution-status` (contract section 5): a pure function of the
 * policy's state, shared by the leader, the standby path and the inspector.
 */
import { ENGINE_IDS, PRIMARY_ENGINE, engineOfState, perEngine, topStateOf, type EngineId, type TopState } from '../../machines/engines.js';
import { effectiveRecoveryTimeout, isAvailable, type FailoverContext, type TransitionRecord } from '../../machines/policy.js';

/** Which instance answers: the one that drives the policy, or one that reads its persisted state. */
export type Role = 'leader' | 'standby';

/** A transition as the status shows it: `at` as ISO time. */
export interface TransitionJson {
  readonly from: TopState;
  readonly to: TopState;
  readonly reason: string;
  readonly at: string;
}

/** The status JSON, keys exactly as the contract names them. */
export interface StatusJson {
  readonly active_engine: EngineId | null;
  readonly primary_engine: EngineId;
  readonly backup_engines: readonly EngineId[];
  readonly failure_counts: Record<EngineId, number>;
  readonly engines_available: Record<EngineId, boolean>;
  readonly state: TopState;
  readonly paused: boolean;
  readonly paused_reason: string | null;
  readonly failover_enabled: boolean;
  readonly failure_threshold: number;
  readonly recovery_timeout_seconds: number;
  readonly next_recovery_check_at: string | null;
  readonly last_transition: TransitionJson | null;
  readonly role: Role;
  /** The leader term's epoch; on a standby the latest it knows, null if none. */
  readonly leader_epoch: number | null;
  /** Each engine's maintenance: null, or its reason and end (ISO time, null when open-ended). */
  readonly engines_maintenance: Record<EngineId, { readonly reason: string; readonly until: string | null } | null>;
}

/** The parts of a machine snapshot the status needs: its state value and context. */
export interface PolicyState {
  readonly value: unknown;
  readonly context: FailoverContext;
}

/** The state value written as a dotted path, such as `backup1Active.waiting`. */
export function statePath(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || typeof value !== 'object') return String(value);
  const [key, child]: [string, unknown] = Object.entries(value as Record<string, unknown>)[0] ?? ['', ''];
  return `${key}.${statePath(child)}`;
}

/** A transition record as the status shows it. */
export function transitionJson(record: TransitionRecord): TransitionJson {
  return { from: record.from, to: record.to, reason: record.reason, at: new Date(record.at).toISOString() };
}

/** The status JSON of a policy state at time `now` (epoch ms). */
export function statusOf(state: PolicyState, options: { role: Role; now: number; leaderEpoch: number | null }): StatusJson {
  const { context } = state;
  const top = topStateOf(state.value);
  return {
    active_engine: engineOfState(top),
    primary_engine: PRIMARY_ENGINE,
    backup_engines: ENGINE_IDS.filter((engine) => engine !== PRIMARY_ENGINE),
    failure_counts: { ...context.failures },
    engines_available: perEngine((engine) => isAvailable(context, engine)),
    state: top,
    paused: top === 'paused',
    paused_reason: top === 'paused' ? context.pausedReason : null,
    failover_enabled: context.settings.failoverEnabled,
    failure_threshold: context.settings.failureThreshold,
    recovery_timeout_seconds: effectiveRecoveryTimeout(context, options.now),
    next_recovery_check_at: context.recoveryDeadline === null ? null : new Date(context.recoveryDeadline).toISOString(),
    last_transition: context.lastTransition === null ? null : transitionJson(context.lastTransition),
    role: options.role,
    leader_epoch: options.leaderEpoch,
    engines_maintenance: perEngine((engine) => {
      const entry = context.maintenance[engine];
      return entry === null ? null : { reason: entry.reason, until: entry.until === null ? null : new Date(entry.until).toISOString() };
    }),
  };
}
