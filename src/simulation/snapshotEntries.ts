/**
 * The observe half of the simulation: what changed between two snapshots of the machine, as
 * timeline entries (transitions, recovery checks started or failed, the recovery timeout moving).
 */
import { engineOfState, topStateOf } from '../../machines/engines.js';
import type { FailoverSnapshot, PolicyAlertKind, ProbeResults } from '../../machines/executionFailover.js';
import { recoveryCandidates, type TransitionRecord } from '../../machines/policy.js';
import { toSeconds } from './clock.js';
import type { EngineCounts, TimelineEntry, TransitionEntry } from './entries.js';

/** What the simulation knows of the moment a snapshot came, besides the snapshot. */
export interface Observation {
  /** Scenario seconds. */
  readonly at: number;
  /** The alerts the machine raised since the snapshot before. */
  readonly alerts: readonly PolicyAlertKind[];
  /** The last probe round's results: what a failed recovery check saw. */
  readonly lastProbe: ProbeResults;
}

function isCheckingForRecovery(snapshot: FailoverSnapshot): boolean {
  return (
    snapshot.matches({ backup1Active: 'checking' }) ||
    snapshot.matches({ backup2Active: 'checking' }) ||
    snapshot.matches({ paused: { autoResuming: 'checking' } })
  );
}

function deadlineSeconds(snapshot: FailoverSnapshot): number | null {
  const deadline = snapshot.context.recoveryDeadline;
  return deadline === null ? null : toSeconds(deadline);
}

/** The failure counts of a snapshot (a copy). */
export function failuresOf(snapshot: FailoverSnapshot): EngineCounts {
  return { ...snapshot.context.failures };
}

/** The transitions recorded between two snapshots, oldest first. */
function newTransitions(previous: FailoverSnapshot, snapshot: FailoverSnapshot): readonly TransitionRecord[] {
  if (snapshot.context.lastTransition === previous.context.lastTransition) return [];
  const known = new Set(previous.context.history);
  return snapshot.context.history.filter((record) => !known.has(record));
}

/** The entries that `snapshot` adds to the timeline, compared with the one before. */
export function snapshotEntries(previous: FailoverSnapshot, snapshot: FailoverSnapshot, observation: Observation): TimelineEntry[] {
  const { at, alerts } = observation;
  const timeoutBefore = previous.context.recoveryTimeoutSeconds;
  const timeoutAfter = snapshot.context.recoveryTimeoutSeconds;

  const transitions = newTransitions(previous, snapshot);
  if (transitions.length > 0) {
    return transitions.map((record, index): TransitionEntry => ({
      kind: 'transition',
      at,
      from: record.from,
      to: record.to,
      reason: record.reason,
      failures: failuresOf(snapshot),
      // A macrostep's alerts belong to its last transition: the one the policy ends up in.
      alerts: index === transitions.length - 1 ? alerts : [],
      recoveryTimeoutSeconds: timeoutAfter,
      previousRecoveryTimeoutSeconds: timeoutBefore,
      nextRecoveryCheckAt: deadlineSeconds(snapshot),
      pausedReason: snapshot.context.pausedReason,
    }));
  }

  const entries: TimelineEntry[] = [];
  const state = topStateOf(snapshot.value);
  const wasChecking = isCheckingForRecovery(previous);
  const checking = isCheckingForRecovery(snapshot);
  if (!wasChecking && checking) {
    entries.push({
      kind: 'recoveryCheck',
      outcome: 'started',
      at,
      state,
      candidates: recoveryCandidates(snapshot.context, engineOfState(state)),
    });
  } else if (wasChecking && !checking && topStateOf(previous.value) === state) {
    return [
      {
        kind: 'recoveryCheck',
        outcome: 'failed',
        at,
        state,
        probe: observation.lastProbe,
        recoveryTimeoutSeconds: timeoutAfter,
        previousRecoveryTimeoutSeconds: timeoutBefore,
        nextRecoveryCheckAt: deadlineSeconds(snapshot),
      },
    ];
  }
  if (timeoutAfter !== timeoutBefore) {
    entries.push({
      kind: 'recoveryTimeout',
      at,
      recoveryTimeoutSeconds: timeoutAfter,
      previousRecoveryTimeoutSeconds: timeoutBefore,
    });
  }
  return entries;
}
