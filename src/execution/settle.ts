/**
 * Recording a signal's one outcome: retried through Redis outages, so that a result an engine gave
 * is never dropped while the service runs; given up a while after `close()`, leaving the signal
 * pending (with its attempt record) for the next run to settle with the engine.
 */
import { sleep } from '../clock.js';
import { outcomeAlert } from '../policy/alerts.js';
import type { Outcome, OutcomeKind } from '../signals/outcome.js';
import type { QueuedSignal, SettleResult } from '../signals/queue.js';
import type { EngineId } from '../../machines/engines.js';
import { retryDelayMs } from './backoff.js';
import type { ExecutionContext } from './context.js';

/** The settle's answer, or 'gave_up' once the drain deadline passes first (Redis unreachable at shutdown). */
function beforeDeadline(settling: Promise<SettleResult>, deadline: number, context: ExecutionContext): Promise<SettleResult | 'gave_up'> {
  // Before close() (every signal but the last few): the settle itself, not a promise wrapping it.
  if (deadline === Infinity) return settling;
  // A settle still pending at the deadline may land later; it is checked against the lease like any.
  settling.catch(() => {});
  return Promise.race([settling, sleep(context.clock, Math.max(0, deadline - context.clock.now())).then(() => 'gave_up' as const)]);
}

/** An outcome entry for `entry`, stamped now. */
export function outcomeOf(
  context: ExecutionContext,
  entry: QueuedSignal,
  fields: { signalId: string; outcome: OutcomeKind; engine: EngineId | null; attempts: number; reason: string } & Pick<
    Outcome,
    'report' | 'latencyMs' | 'positionChange'
  >,
): Outcome {
  return { ...fields, signal: entry.raw, at: context.clock.now() };
}

/**
 * Records `outcome` and lets the entry go. `clearsAttempt`: this entry made (or took over) the
 * signal's attempt record, which the outcome ends. Answers whether this term recorded it.
 */
export async function settleEntry(
  context: ExecutionContext,
  entry: QueuedSignal,
  outcome: Outcome,
  options: { readonly clearsAttempt: boolean },
): Promise<boolean> {
  const { queue, log, metrics, clock } = context;
  let result: SettleResult | 'gave_up';
  for (let attempt = 1; ; attempt++) {
    try {
      result = await beforeDeadline(queue.settle(entry, outcome, options), context.drainDeadline(), context);
      break;
    } catch (error) {
      log.error({ err: error, signal_id: outcome.signalId, outcome: outcome.outcome, attempt }, 'could not record an outcome; retrying');
      // Not cut short by close(): the outcome is worth the drain time.
      await sleep(clock, Math.min(retryDelayMs(attempt, 100, 2000), Math.max(0, context.drainDeadline() - clock.now())));
      if (clock.now() >= context.drainDeadline()) {
        result = 'gave_up';
        break;
      }
    }
  }
  if (result === 'gave_up') {
    log.error(
      { signal_id: outcome.signalId, outcome: outcome.outcome },
      'shutting down without recording this outcome; the signal stays pending and the next run settles it with its engine',
    );
    return false;
  }
  if (result === 'already_executed') {
    // Another copy of this signal was recorded executed first: this copy is its duplicate.
    return settleEntry(
      context,
      entry,
      { ...outcome, outcome: 'duplicate', reason: `this signal_id was already executed; ${outcome.reason}`, report: undefined, latencyMs: undefined },
      { clearsAttempt: false },
    );
  }
  context.released(entry.id);
  if (result !== 'settled') {
    log.warn(
      { signal_id: outcome.signalId, outcome: outcome.outcome, why: result },
      result === 'not_leader'
        ? 'this term has lost the lease: the outcome is for the next leader to record'
        : 'another consumer holds this signal now: its outcome is theirs to record',
    );
    return false;
  }
  context.countSettled();
  metrics?.outcome(outcome.outcome, outcome.engine);
  const level = outcome.outcome === 'executed' || outcome.outcome === 'duplicate' ? 'debug' : 'info';
  // Asked first: at the usual level an executed signal's line is not written, and its fields would
  // be built for nothing, once per signal (issue 10: no per-signal logging on the hot path).
  if (log.isLevelEnabled(level)) {
    log[level](
      { signal_id: outcome.signalId, outcome: outcome.outcome, engine: outcome.engine, attempts: outcome.attempts, reason: outcome.reason },
      'signal settled',
    );
  }
  const alert = outcomeAlert(outcome);
  if (alert !== null) context.alert(alert);
  return true;
}
