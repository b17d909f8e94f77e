/**
 * The in-doubt settler (contract section 3, unknown outcomes): a signal an engine may have placed
 * without saying so goes nowhere else until that engine settles it. It is asked
 * `GET /orders/{signal_id}` every `EXECUTION_HEALTH_CHECK_INTERVAL`: 200 records it executed
 * there; 409 means still in progress; 404 frees it for another attempt, but only once its send
 * time plus `ENGINE_TIMEOUT_MS` has passed (an engine still placing it may not know it yet).
 * Unsettled after `IN_DOUBT_TIMEOUT`, it goes to the dead-letter stream as `in_doubt`.
 *
 * It runs beside the lanes, so the signals behind it are not held up.
 */
import { sleep } from '../clock.js';
import type { ExecutionEngine } from '../engines/types.js';
import { positionChangeFor } from './affinity.js';
import type { SignalJob } from './attempt.js';
import type { ExecutionContext } from './context.js';
import { outcomeOf, settleEntry } from './settle.js';

/** When the engine's answers count. */
export interface UnknownOutcomeTiming {
  /** Clock time from which a 404 frees the signal: its send time plus `ENGINE_TIMEOUT_MS`. */
  readonly freeAfter: number;
  /** How long before the first lookup: 0 for an attempt found after a crash or takeover. */
  readonly firstAskMs: number;
}

/**
 * A signal handed to the in-doubt settler: `settling` ends when the signal's attempts do (an
 * outcome, a shutdown, the term's end), retries after it included. An object, not the promise
 * itself: a promise resolved with a promise would wait for it.
 */
export interface Handoff {
  readonly settling: Promise<void>;
}

/**
 * Runs the job's attempts again, in its lane, once the engine has said it did not place it; what
 * it answers is the settling it handed the signal to in turn, if any (see `runAttempts`).
 */
export type RetryAttempts = (context: ExecutionContext, job: SignalJob) => Promise<Handoff | undefined>;

async function askUntilSettled(
  context: ExecutionContext,
  job: SignalJob,
  engine: ExecutionEngine,
  timing: UnknownOutcomeTiming,
  retry: RetryAttempts,
): Promise<void> {
  const { clock, limits, log } = context;
  const { entry, signal, attempts } = job;
  const signalId = signal.signal_id;
  const deadline = clock.now() + limits.inDoubtTimeoutMs;
  let wait = timing.firstAskMs;
  for (;;) {
    await sleep(clock, Math.min(wait, Math.max(0, deadline - clock.now())), context.stop);
    if (context.stop.aborted) return; // it stays pending, attempt record and all, for the next run
    wait = limits.inDoubtPollMs;
    const lookup = await engine.lookup(signalId, { epoch: context.epoch });
    switch (lookup.kind) {
      case 'executed':
        await settleEntry(
          context,
          entry,
          outcomeOf(context, entry, {
            signalId,
            outcome: 'executed',
            engine: engine.id,
            attempts,
            reason: `executed on ${engine.id} (confirmed by its lookup after an unknown outcome)`,
            report: lookup.report,
            ...positionChangeFor(context, signal, engine.id, lookup.report),
          }),
          { clearsAttempt: true },
        );
        return;
      case 'fenced':
        context.fenced(lookup.epoch);
        return;
      case 'not_found': {
        const early = timing.freeAfter - clock.now();
        if (early > 0) {
          // Too soon to believe: ask again once the engine would have placed it.
          wait = Math.min(wait, early);
          break;
        }
        if (attempts >= limits.maxAttempts) {
          await settleEntry(
            context,
            entry,
            outcomeOf(context, entry, {
              signalId,
              outcome: 'attempts_exhausted',
              engine: engine.id,
              attempts,
              reason: `${attempts} attempts failed; ${engine.id} confirmed the last was not executed`,
            }),
            { clearsAttempt: true },
          );
          return;
        }
        log.info({ signal_id: signalId, engine: engine.id }, 'the engine did not place it: the signal may be sent again');
        // This settling lasts until the signal's attempts end, however often they hand it on.
        await (
          await context.lanes.run(signal.symbol, () => retry(context, job))
        )?.settling;
        return;
      }
      case 'in_progress':
      case 'unknown':
        break;
    }
    if (clock.now() >= deadline) {
      await settleEntry(
        context,
        entry,
        outcomeOf(context, entry, {
          signalId,
          outcome: 'in_doubt',
          engine: engine.id,
          attempts,
          reason: `${engine.id} took the order but its outcome stayed unknown for ${limits.inDoubtTimeoutMs / 1000} s; reconcile by hand`,
        }),
        { clearsAttempt: true },
      );
      return;
    }
  }
}

/** Settles the job's unknown outcome with `engine` in the background. */
export function settleUnknownOutcome(
  context: ExecutionContext,
  job: SignalJob,
  engine: ExecutionEngine,
  timing: UnknownOutcomeTiming,
  retry: RetryAttempts,
): Handoff {
  const settling = askUntilSettled(context, job, engine, timing, retry).catch((error: unknown) => {
    context.log.error({ err: error, signal_id: job.signal.signal_id }, 'settling an unknown outcome failed; the signal stays pending');
  });
  context.trackInDoubt(settling);
  return { settling };
}
