/** What the policy tells people when it moves: the contract's alert `{event, from, to, reason, at, text}`. */
import { engineOfState } from '../../machines/engines.js';
import type { PolicyAlertKind } from '../../machines/executionFailover.js';
import type { FailoverContext, TransitionRecord } from '../../machines/policy.js';
import { ALERTING_OUTCOMES, type Outcome } from '../signals/outcome.js';

/** Every kind of alert the service sends: the policy's, and the signal outcomes that need a person. */
export type AlertEvent = PolicyAlertKind | 'attempts_exhausted' | 'in_doubt' | 'position_engine_unavailable';

/** An alert as POSTed to `ALERT_WEBHOOK_URL` and logged. */
export interface Alert {
  readonly event: AlertEvent;
  readonly from: string | null;
  readonly to: string | null;
  readonly reason: string;
  /** ISO time. */
  readonly at: string;
  /** One sentence for a person on call. */
  readonly text: string;
}

function timesInARow(count: number): string {
  return count === 1 ? 'once' : `${count} times in a row`;
}

function describeState(state: TransitionRecord['to']): string {
  const engine = engineOfState(state);
  return engine === null ? 'paused' : `${state} (${engine})`;
}

/** The alert for the transition the policy just recorded. */
export function policyAlert(kind: PolicyAlertKind, context: FailoverContext): Alert | null {
  const record = context.lastTransition;
  if (record === null) return null;
  const fromEngine = engineOfState(record.from);
  const toEngine = engineOfState(record.to);
  const threshold = context.settings.failureThreshold;
  let text: string;
  switch (record.reason) {
    case 'threshold':
      text = `Failover: ${fromEngine} failed ${timesInARow(threshold)}; signals now go to ${toEngine}.`;
      break;
    case 'failure_rate': {
      const { failureRateThreshold, failureRateWindowSeconds } = context.settings;
      text = `Failover: ${fromEngine} failed at least ${failureRateThreshold ?? '?'} % of its calls in the last ${failureRateWindowSeconds} s; signals now go to ${toEngine}.`;
      break;
    }
    case 'slow_calls': {
      const { slowCallRateThreshold, slowCallMs, failureRateWindowSeconds } = context.settings;
      text = `Failover: at least ${slowCallRateThreshold} % of ${fromEngine}'s calls in the last ${failureRateWindowSeconds} s took longer than ${slowCallMs ?? '?'} ms; signals now go to ${toEngine}.`;
      break;
    }
    case 'maintenance': {
      const entry = fromEngine === null ? null : context.maintenance[fromEngine];
      const why = entry === null ? '' : ` (${entry.reason}${entry.until === null ? '' : `, until ${new Date(entry.until).toISOString()}`})`;
      text =
        record.to === 'paused'
          ? `Execution paused: ${fromEngine} went into maintenance${why} and no other engine is available. Signals wait in Redis; execution resumes by itself when a maintenance ends.`
          : `Maintenance: ${fromEngine} went into maintenance${why}; signals now go to ${toEngine}.`;
      break;
    }
    case 'maintenance_over':
      text = `Execution resumed by itself on ${toEngine}: a maintenance ended.`;
      break;
    case 'all_engines_failed': {
      const rate = fromEngine === null ? null : context.rateTrips[fromEngine];
      const how =
        rate === 'failure_rate'
          ? 'failed too large a share of its calls'
          : rate === 'slow_calls'
            ? 'answered too many calls slowly'
            : `failed ${timesInARow(threshold)}`;
      text = `Execution paused: ${fromEngine ?? 'the active engine'} ${how} and no engine is left. Signals wait in Redis; an operator must resume (POST /admin/execution/resume).`;
      break;
    }
    case 'recovered':
      text = `Recovery: ${toEngine} passed ${context.settings.recoverySuccesses} health probes in a row; signals go back to it from ${fromEngine}.`;
      break;
    case 'auto_resume':
      text = `Execution resumed by itself: ${toEngine} recovered after all engines had failed.`;
      break;
    case 'operator':
      text =
        record.to === 'paused'
          ? `Execution paused by an operator on ${describeState(record.from)}: ${context.pausedReason ?? 'no reason given'}. Signals wait in Redis until a resume.`
          : `Operator moved execution from ${describeState(record.from)} to ${describeState(record.to)}.`;
      break;
  }
  return {
    event: kind,
    from: record.from,
    to: record.to,
    reason: record.reason,
    at: new Date(record.at).toISOString(),
    text,
  };
}

/** The alert for a signal settled with an outcome that needs a person (`ALERTING_OUTCOMES`). */
export function outcomeAlert(outcome: Outcome): Alert | null {
  if (!ALERTING_OUTCOMES.has(outcome.outcome)) return null;
  return {
    event: outcome.outcome === 'in_doubt' || outcome.outcome === 'position_engine_unavailable' ? outcome.outcome : 'attempts_exhausted',
    from: outcome.engine,
    to: null,
    reason: outcome.outcome,
    at: new Date(outcome.at).toISOString(),
    text: `Signal ${outcome.signalId || '(no id)'} went to the dead-letter stream as ${outcome.outcome}: ${outcome.reason}.`,
  };
}
