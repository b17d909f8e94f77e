/**
 * The failover policy of the contract (DESIGN.md section 2), restated as small functions of the
 * context: the independent oracle the transition specs are written with. Nothing here is imported
 * from `machines/policy.ts`; where the machine and this file disagree, one of them is wrong.
 */
import type { StateValue } from 'xstate';
import type { EngineId } from '../../machines/engines.js';
import type { ProbeResults } from '../../machines/executionFailover.js';
import type { FailoverContext, TransitionReason } from '../../machines/policy.js';

/** The part of a snapshot the specs predict: where the machine is and what it knows. */
export interface PolicyState {
  readonly value: StateValue;
  readonly context: FailoverContext;
}

/** The contract's top-level states. */
export type Top = 'primaryActive' | 'backup1Active' | 'backup2Active' | 'paused';

/** The contract's engine table, in priority order. */
export const PRIORITY: readonly EngineId[] = ['lean_self_hosted', 'quanttrader_pybroker', 'nautilus_trader'];

/** The top-level state in which each engine receives the signals. */
export const STATE_OF_ENGINE: Readonly<Record<EngineId, Top>> = {
  lean_self_hosted: 'primaryActive',
  quanttrader_pybroker: 'backup1Active',
  nautilus_trader: 'backup2Active',
};

/** The reason recorded when no engine is left. */
export const ALL_ENGINES_FAILED = 'all_engines_failed';

/** The phase of a recovery region or of the pause, or null in the primary. */
export type Phase = 'waiting' | 'checking' | 'holding' | null;

/** The top-level state of `value`. */
export function topOf(value: StateValue): Top {
  const name = typeof value === 'string' ? value : Object.keys(value)[0];
  if (name === 'primaryActive' || name === 'backup1Active' || name === 'backup2Active' || name === 'paused') return name;
  throw new Error(`${JSON.stringify(value)} is not in one of the contract's top-level states.`);
}

/** The engine receiving signals in `value`, or null while paused. */
export function activeEngine(value: StateValue): EngineId | null {
  const top = topOf(value);
  return PRIORITY.find((engine) => STATE_OF_ENGINE[engine] === top) ?? null;
}

/** Whether `value` is paused and auto-resuming, i.e. probing every engine for recovery. */
export function isAutoResuming(value: StateValue): boolean {
  return typeof value === 'object' && typeof value.paused === 'object' && 'autoResuming' in value.paused;
}

/** Waiting for the recovery deadline, checking recovery, holding in pause, or none of them. */
export function phaseOf(value: StateValue): Phase {
  if (typeof value === 'string') return null;
  const [top] = Object.keys(value);
  const inner = value[top];
  const leaf = typeof inner === 'string' ? inner : inner === undefined ? undefined : Object.values(inner)[0];
  return leaf === 'waiting' || leaf === 'checking' || leaf === 'holding' ? leaf : null;
}

/** The value of a top-level state just entered: recovery regions start waiting, the pause holding. */
export function enteredValue(top: Top): StateValue {
  if (top === 'primaryActive') return top;
  if (top === 'paused') return { paused: 'holding' };
  return { [top]: 'waiting' };
}

/** The same state with its recovery region (or auto-resume region) in `phase`. */
export function withPhase(value: StateValue, phase: 'waiting' | 'checking'): StateValue {
  if (isAutoResuming(value)) return { paused: { autoResuming: phase } };
  return { [topOf(value)]: phase };
}

/** The engines the policy may use: the primary alone when failover is off. */
export function chainOf(context: FailoverContext): readonly EngineId[] {
  return context.settings.failoverEnabled ? PRIORITY : [PRIORITY[0]];
}

/** An engine is unavailable when its last probe failed, its count is at the threshold or a window rule tripped it. */
export function isAvailable(context: FailoverContext, engine: EngineId): boolean {
  return context.probeHealthy[engine] !== false && context.failures[engine] < context.settings.failureThreshold && context.rateTrips[engine] === null;
}

/** The policy never chooses an engine in maintenance, nor one that is unavailable. */
export function isChoosable(context: FailoverContext, engine: EngineId): boolean {
  return isAvailable(context, engine) && context.maintenance[engine] === null;
}

/** Whether one more failure of `engine` brings it to the threshold. */
export function reachesThreshold(context: FailoverContext, engine: EngineId): boolean {
  return context.failures[engine] + 1 >= context.settings.failureThreshold;
}

/**
 * Where a trip of `tripped` goes: the next engine in priority order, wrapping around to the
 * higher-priority ones (a recovered primary beats nothing), skipping unavailable ones.
 * With failover off the chain is the primary alone, so a backup an operator switched to trips
 * back to the primary when it is available; this reads the contract's "reaching the threshold
 * pauses" as applying to the chain (an open question, raised with the machine's author).
 */
export function nextAfterTrip(context: FailoverContext, tripped: EngineId): EngineId | null {
  const distance = (engine: EngineId) => (PRIORITY.indexOf(engine) - PRIORITY.indexOf(tripped) + PRIORITY.length) % PRIORITY.length;
  const order = chainOf(context)
    .filter((engine) => engine !== tripped)
    .sort((a, b) => distance(a) - distance(b));
  return order.find((engine) => isChoosable(context, engine)) ?? null;
}

/** The engines a recovery check probes: those preferred to the active one; all of them while paused. */
export function probedEngines(context: FailoverContext, active: EngineId | null): EngineId[] {
  const rank = active === null ? PRIORITY.length : PRIORITY.indexOf(active);
  return chainOf(context).filter((engine) => PRIORITY.indexOf(engine) < rank);
}

/** Of the probed engines, those that may recover: not in maintenance. */
export function recoveryCandidates(context: FailoverContext, active: EngineId | null): EngineId[] {
  return probedEngines(context, active).filter((engine) => context.maintenance[engine] === null);
}

/** An engine's healthy streak after a probe round: one more when healthy, none when not, as is when not probed. */
export function streakAfter(context: FailoverContext, results: ProbeResults, engine: EngineId): number {
  const healthy = results[engine];
  if (healthy === undefined) return context.healthyStreaks[engine];
  return healthy ? Math.min(context.healthyStreaks[engine] + 1, context.settings.recoverySuccesses) : 0;
}

/** The preferred candidate that this round makes recovered (enough consecutive healthy probes), if any. */
export function recoveredEngine(context: FailoverContext, active: EngineId | null, results: ProbeResults): EngineId | null {
  return recoveryCandidates(context, active).find((engine) => streakAfter(context, results, engine) >= context.settings.recoverySuccesses) ?? null;
}

/** A check fails when a candidate was probed and no candidate is left on a healthy streak. */
export function recoveryCheckFails(context: FailoverContext, active: EngineId | null, results: ProbeResults): boolean {
  const candidates = recoveryCandidates(context, active);
  return candidates.some((engine) => results[engine] !== undefined) && candidates.every((engine) => streakAfter(context, results, engine) === 0);
}

/**
 * A probe round taken into account: last results, streaks, and an engine tripped (by the threshold
 * or a window rule) that recovered starts afresh.
 */
export function withProbeRound(context: FailoverContext, results: ProbeResults): FailoverContext {
  const { failureThreshold, recoverySuccesses } = context.settings;
  const probeHealthy = { ...context.probeHealthy };
  const healthyStreaks = { ...context.healthyStreaks };
  let next: FailoverContext = context;
  for (const engine of PRIORITY) {
    probeHealthy[engine] = results[engine] ?? context.probeHealthy[engine];
    healthyStreaks[engine] = streakAfter(context, results, engine);
    const tripped = context.failures[engine] >= failureThreshold || context.rateTrips[engine] !== null;
    if (healthyStreaks[engine] >= recoverySuccesses && tripped) next = withFreshEngine(next, engine);
  }
  return { ...next, probeHealthy, healthyStreaks };
}

/** `engine` starts afresh, as when it is used again: no failures, no window trip, an empty window. */
export function withFreshEngine(context: FailoverContext, engine: EngineId): FailoverContext {
  return {
    ...context,
    failures: { ...context.failures, [engine]: 0 },
    rateTrips: { ...context.rateTrips, [engine]: null },
    windows: { ...context.windows, [engine]: [] },
  };
}

/** A recovery check starts afresh: only probes from now on count for the probed engines. */
export function withCheckStarted(context: FailoverContext, active: EngineId | null): FailoverContext {
  const healthyStreaks = { ...context.healthyStreaks };
  for (const engine of probedEngines(context, active)) healthyStreaks[engine] = 0;
  return { ...context, healthyStreaks };
}

/** `engine`'s failure count set to `count`. */
export function withFailures(context: FailoverContext, engine: EngineId, count: number): FailoverContext {
  return { ...context, failures: { ...context.failures, [engine]: count } };
}

/**
 * The recovery timeout in force at `at`: back to the base once the primary has been in use for a
 * full timeout without tripping (however it came to be in use); never while a backup waits.
 */
export function timeoutInForce(context: FailoverContext, at: number): number {
  const { stableSince } = context;
  if (stableSince !== null && at - stableSince >= context.recoveryTimeoutSeconds * 1000) return context.settings.recoveryTimeoutSeconds;
  return context.recoveryTimeoutSeconds;
}

/**
 * The recovery timeout after `tripped` trips at `at`: doubled, up to the maximum, when it is the
 * engine switched back to and it trips within one timeout of the switch (ping-pong).
 */
export function timeoutAfterTrip(context: FailoverContext, tripped: EngineId, at: number): number {
  const { failback, settings } = context;
  if (failback !== null && failback.engine === tripped && at - failback.at < failback.timeoutSeconds * 1000) {
    return Math.min(failback.timeoutSeconds * 2, settings.recoveryTimeoutMaxSeconds);
  }
  return timeoutInForce(context, at);
}

/** A recovery deadline one timeout (the one in force) after `at`. */
export function withRecoveryArmed(context: FailoverContext, at: number): FailoverContext {
  const timeout = timeoutInForce(context, at);
  return { ...context, recoveryTimeoutSeconds: timeout, recoveryDeadline: at + timeout * 1000, recoveryArmedAt: at };
}

/** No recovery pending. */
export function withRecoveryCleared(context: FailoverContext): FailoverContext {
  return { ...context, recoveryDeadline: null, recoveryArmedAt: null };
}

/** The move recorded as the last transition and appended to the history (at most 50 kept). */
export function withRecord(context: FailoverContext, from: Top, to: Top, reason: TransitionReason, at: number): FailoverContext {
  const record = { from, to, reason, at };
  return { ...context, lastTransition: record, history: [...context.history, record].slice(-50) };
}

/** What leaving `value` for another top-level state undoes: a pending recovery, the pause reason. */
export function leaving(context: FailoverContext, value: StateValue): FailoverContext {
  const top = topOf(value);
  const phase = phaseOf(value);
  const withoutRecovery = phase === 'waiting' || phase === 'checking' ? withRecoveryCleared(context) : context;
  return top === 'paused' ? { ...withoutRecovery, pausedReason: null } : withoutRecovery;
}

/**
 * Entering `top` at `at`: a backup arms its recovery deadline (with the timeout in force before the
 * primary's stability is forgotten); the primary starts a new stretch of stability.
 */
export function entering(context: FailoverContext, top: Top, at: number): PolicyState {
  const armed = top === 'backup1Active' || top === 'backup2Active' ? withRecoveryArmed(context, at) : context;
  return { value: enteredValue(top), context: { ...armed, stableSince: top === 'primaryActive' ? at : null } };
}

/** A move from `state` to `top`, recorded with `reason`, with `change` applied to the context on the way. */
export function moving(state: PolicyState, top: Top, reason: TransitionReason, at: number, change: (context: FailoverContext) => FailoverContext): PolicyState {
  const from = topOf(state.value);
  return entering(withRecord(change(leaving(state.context, state.value)), from, top, reason, at), top, at);
}

/**
 * Where an operator's resume goes: the preferred engine of the chain not in maintenance and not
 * known unhealthy, else the preferred one not in maintenance; nowhere when all are in maintenance.
 */
export function resumeTarget(context: FailoverContext): EngineId | null {
  const open = chainOf(context).filter((engine) => context.maintenance[engine] === null);
  return open.find((engine) => context.probeHealthy[engine] !== false) ?? open[0] ?? null;
}

/** Every count back to zero, ping-pong forgotten: a fresh start after a pause. */
export function withFreshStart(context: FailoverContext): FailoverContext {
  return {
    ...context,
    failures: { lean_self_hosted: 0, quanttrader_pybroker: 0, nautilus_trader: 0 },
    rateTrips: { lean_self_hosted: null, quanttrader_pybroker: null, nautilus_trader: null },
    windows: { lean_self_hosted: [], quanttrader_pybroker: [], nautilus_trader: [] },
    failback: null,
    recoveryTimeoutSeconds: context.settings.recoveryTimeoutSeconds,
  };
}
