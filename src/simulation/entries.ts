/**
 * What a simulation reports: the entries of its timeline and the outcome of each expectation.
 * Plain data (times in simulated seconds), so the CLI prints them and the inspector renders them.
 */
import type { EngineId, TopState } from '../../machines/engines.js';
import type { PolicyAlertKind, ProbeResults } from '../../machines/executionFailover.js';
import type { TransitionReason } from '../../machines/policy.js';
import type { EngineBehaviour, OperatorAction, Scenario } from './scenario.js';

/** A count per engine. */
export type EngineCounts = Readonly<Record<EngineId, number>>;

/** What happened to the signals of a run, per engine. */
export interface SignalTally {
  /** Signals the engine executed. */
  readonly executed: EngineCounts;
  /** Execution attempts that failed on the engine. */
  readonly failed: EngineCounts;
  /** Signals still waiting (held while paused) when the tally was taken. */
  readonly waiting: number;
  /** Exits dead-lettered `position_engine_unavailable`: their engine stayed away too long. */
  readonly positionUnavailable: number;
  /** Each engine's net position (with `signals.actions`; all 0 otherwise). */
  readonly positions: EngineCounts;
}

/** The policy at the start of the run. */
export interface StartEntry {
  readonly kind: 'start';
  readonly at: number;
  readonly state: TopState;
  readonly failures: EngineCounts;
  readonly recoveryTimeoutSeconds: number;
}

/** A scenario event made an engine fail (`down`), succeed (`up`), fail every other call (`flaky`) or answer late (`slow`). */
export interface EngineEntry {
  readonly kind: 'engine';
  readonly at: number;
  readonly engine: EngineId;
  readonly becomes: EngineBehaviour;
  readonly latencyMs?: number;
}

/** An operator action was sent; `accepted` is false when the policy ignores it in its state. */
export interface OperatorEntry {
  readonly kind: 'operator';
  readonly at: number;
  readonly action: OperatorAction;
  readonly accepted: boolean;
}

/** The policy moved between top-level states. */
export interface TransitionEntry {
  readonly kind: 'transition';
  readonly at: number;
  readonly from: TopState;
  readonly to: TopState;
  readonly reason: TransitionReason;
  /** The failure counts right after the transition. */
  readonly failures: EngineCounts;
  /** The alerts the policy raised with it. */
  readonly alerts: readonly PolicyAlertKind[];
  /** The recovery timeout in force after the transition, and before it. */
  readonly recoveryTimeoutSeconds: number;
  readonly previousRecoveryTimeoutSeconds: number;
  /** When the next recovery check starts (seconds), or null when none is pending. */
  readonly nextRecoveryCheckAt: number | null;
  /** Why the policy is paused, when it is. */
  readonly pausedReason: string | null;
}

/**
 * A recovery check started (probing `candidates`), or failed because no candidate was healthy
 * (`probe` is the round that showed it) and was scheduled again.
 */
export type RecoveryCheckEntry =
  | {
      readonly kind: 'recoveryCheck';
      readonly outcome: 'started';
      readonly at: number;
      readonly state: TopState;
      readonly candidates: readonly EngineId[];
    }
  | {
      readonly kind: 'recoveryCheck';
      readonly outcome: 'failed';
      readonly at: number;
      readonly state: TopState;
      readonly probe: ProbeResults;
      readonly recoveryTimeoutSeconds: number;
      readonly previousRecoveryTimeoutSeconds: number;
      readonly nextRecoveryCheckAt: number | null;
    };

/** The recovery timeout changed without a transition. */
export interface RecoveryTimeoutEntry {
  readonly kind: 'recoveryTimeout';
  readonly at: number;
  readonly recoveryTimeoutSeconds: number;
  readonly previousRecoveryTimeoutSeconds: number;
}

/** Signals held while paused are sent, oldest first, starting with `engine`, the one now active. */
export interface BacklogEntry {
  readonly kind: 'backlog';
  readonly at: number;
  readonly count: number;
  readonly engine: EngineId;
}

/** With position affinity: an exit went to `engine`, which holds its position, not to the active engine. */
export interface AffinityEntry {
  readonly kind: 'affinity';
  readonly at: number;
  readonly engine: EngineId;
  readonly action: string;
  readonly quantity: number;
}

/** With position affinity: the oldest signal, an exit, waits for `engine` (its position's), unavailable now. */
export interface PositionWaitEntry {
  readonly kind: 'positionWait';
  readonly at: number;
  readonly engine: EngineId;
}

/** It waited `EXECUTION_POSITION_WAIT` seconds: dead-lettered `position_engine_unavailable`, sent nowhere. */
export interface PositionUnavailableEntry {
  readonly kind: 'positionUnavailable';
  readonly at: number;
  readonly engine: EngineId;
  readonly action: string;
  readonly quantity: number;
}

/** The run reached `until`. */
export interface EndEntry {
  readonly kind: 'end';
  readonly at: number;
  readonly state: TopState;
  readonly failures: EngineCounts;
  readonly signals: SignalTally;
}

/** One line of a simulation's timeline. */
export type TimelineEntry =
  | StartEntry
  | EngineEntry
  | OperatorEntry
  | TransitionEntry
  | RecoveryCheckEntry
  | RecoveryTimeoutEntry
  | BacklogEntry
  | AffinityEntry
  | PositionWaitEntry
  | PositionUnavailableEntry
  | EndEntry;

/** An expectation of the scenario, checked after everything at its time. */
export interface ExpectationResult {
  readonly at: number;
  readonly expected: TopState;
  readonly actual: TopState;
  readonly met: boolean;
}

/** A finished run. */
export interface SimulationResult {
  readonly scenario: Scenario;
  readonly timeline: readonly TimelineEntry[];
  /** In time order, one per expectation of the scenario. */
  readonly expectations: readonly ExpectationResult[];
  readonly finalState: TopState;
}
