/**
 * What the failover statechart's guards, delays and substates mean, in words, for the legend of
 * `statecharts/README.md`. The machine names them; this table explains them. A unit test fails
 * when the machine uses a guard or delay that has no entry here.
 */

/** How a guard reads in a diagram label, and what it means. */
export interface GuardLegend {
  /** The params shown in labels, in this order. */
  readonly params: readonly string[];
  /** Shown as `a→b` rather than `a b`: the guard is about a move from one engine to another. */
  readonly arrow: boolean;
  readonly meaning: string;
}

/** The failover machine's guards. `none` in a label stands for a null param. */
export const GUARD_LEGEND: Readonly<Record<string, GuardLegend>> = {
  successCounts: {
    params: [],
    arrow: false,
    meaning:
      'The engine that succeeded has consecutive failures to reset, or a window rule is on and counts the call; otherwise a success changes nothing.',
  },
  failureRateTripsTo: {
    params: ['active', 'next'],
    arrow: true,
    meaning:
      'This call leaves at least `EXECUTION_FAILURE_RATE_MIN_CALLS` calls of `active` in the window with a failed share at `EXECUTION_FAILURE_RATE_THRESHOLD`, and `next` is where the policy goes (`none`: it pauses).',
  },
  slowCallsTripsTo: {
    params: ['active', 'next'],
    arrow: true,
    meaning:
      'This call leaves at least `EXECUTION_FAILURE_RATE_MIN_CALLS` calls of `active` in the window with a share slower than `EXECUTION_SLOW_CALL_MS` at `EXECUTION_SLOW_CALL_RATE_THRESHOLD`, and `next` is where the policy goes (`none`: it pauses).',
  },
  maintenanceMovesTo: {
    params: ['active', 'next'],
    arrow: true,
    meaning: 'The operator puts `active`, the engine in use, into maintenance; `next` is the next available engine (`none`: it pauses with `paused_reason` maintenance).',
  },
  endsMaintenance: {
    params: [],
    arrow: false,
    meaning: 'The event ends some engine’s maintenance (an operator’s end, or the earliest `until` reached).',
  },
  maintenanceOverTo: {
    params: ['engine'],
    arrow: false,
    meaning: 'A maintenance ends during the pause maintenance caused, and `engine` is the highest-priority available engine: the policy resumes by itself.',
  },
  maintenanceDeadlinePending: {
    params: [],
    arrow: false,
    meaning: 'Some maintenance has an `until` still to come: its timer is re-armed after a restore.',
  },
  tripsTo: {
    params: ['active', 'next'],
    arrow: true,
    meaning:
      'This failure of `active` brings its count to `EXECUTION_FAILOVER_THRESHOLD`, and `next` is where the policy goes: the next available engine in priority order (`none`: no engine is left, so it pauses).',
  },
  switchTargetIs: {
    params: ['engine'],
    arrow: false,
    meaning: 'The operator’s `SWITCH` names `engine`.',
  },
  recovers: {
    params: ['active', 'engine'],
    arrow: true,
    meaning:
      'This probe round makes `engine` recovered (`EXECUTION_RECOVERY_SUCCESSES` healthy probes in a row) and it is the highest-priority recovered engine above `active` (`none`: paused, every engine of the chain is a candidate).',
  },
  recoveryCheckFails: {
    params: ['active'],
    arrow: false,
    meaning:
      'This probe round leaves no candidate above `active` with a healthy streak: the check failed, and the policy waits another recovery timeout.',
  },
  resumesTo: {
    params: ['engine'],
    arrow: false,
    meaning: 'The operator’s `RESUME` goes to `engine`: the highest-priority engine whose last probe did not fail.',
  },
  autoResumeApplies: {
    params: [],
    arrow: false,
    meaning: '`EXECUTION_AUTO_RESUME=true` and the pause came from every engine failing, not from an operator.',
  },
};

/** The failover machine's named delays. */
export const DELAY_LEGEND: Readonly<Record<string, string>> = {
  recoveryDelay:
    'Until the recovery deadline kept in context (`recoveryDeadline - recoveryArmedAt`): `EXECUTION_FAILOVER_TIMEOUT` seconds after entering the state, doubled after a ping-pong up to `EXECUTION_FAILOVER_TIMEOUT_MAX`. `RESTORED` re-arms it from the persisted deadline.',
};

/**
 * Meanings of substates, by key, for states whose machine definition has no `description`
 * (the same key means the same thing wherever it appears).
 */
export const SUBSTATE_LEGEND: Readonly<Record<string, string>> = {
  waiting: 'Waiting for the recovery deadline (`recoveryDelay`).',
  checking: 'Probing the candidate engines’ health until one recovers or the check fails.',
  holding: 'Paused until an operator resumes or switches, or until auto-resume applies.',
  autoResuming: 'Every engine failed and `EXECUTION_AUTO_RESUME=true`: probing the whole chain to resume by itself.',
};
