/**
 * One signal's attempts, inside its symbol's lane: record the attempt, send it to the engine the
 * policy names, tell the policy how it went, and settle the signal, or hand it to the unknown-
 * outcome settler when the engine may have placed it without saying so.
 *
 * The policy decides, this acts: it never chooses an engine itself.
 */
import { perEngine, type EngineId } from '../../machines/engines.js';
import { sleep } from '../clock.js';
import type { ExecutionResult } from '../engines/types.js';
import type { AttemptStart, QueuedSignal } from '../signals/queue.js';
import { isExpired, type Signal } from '../signals/signal.js';
import { chooseEngine, positionChangeFor, type AffinityWait } from './affinity.js';
import { retryDelayMs } from './backoff.js';
import type { ExecutionContext } from './context.js';
import { outcomeOf, settleEntry } from './settle.js';
import { settleUnknownOutcome, type Handoff } from './unknownOutcome.js';

/** One signal on its way to an outcome. */
export interface SignalJob {
  readonly entry: QueuedSignal;
  readonly signal: Signal;
  /** Attempts sent so far, on any engine. */
  readonly attempts: number;
  /**
   * True until this run has recorded an attempt of its own: an attempt record found then was left
   * by an earlier run (a crash, a takeover) or another copy, and is settled first.
   */
  readonly first: boolean;
}

/** The reason recorded with an executed outcome, per engine. */
const EXECUTED_ON: Readonly<Record<EngineId, string>> = perEngine((engine) => `executed on ${engine}`);

const CLEARS_ATTEMPT = { clearsAttempt: true } as const;

/** The Redis step before a send, retried through outages; null once closing. */
async function beginAttempt(context: ExecutionContext, job: SignalJob, engine: EngineId): Promise<AttemptStart | null> {
  for (let attempt = 1; ; attempt++) {
    try {
      // A record written after all (Redis came back) is settled by the next run like any other.
      const begun = await context.untilClosed(context.queue.beginAttempt(job.entry, { signalId: job.signal.signal_id, engine, first: job.first }));
      return begun === 'closed' ? null : begun;
    } catch (error) {
      if (context.stop.aborted) return null;
      context.log.error({ err: error, signal_id: job.signal.signal_id, attempt }, 'could not record the attempt; retrying');
      await sleep(context.clock, retryDelayMs(attempt, 100, 5000), context.stop);
    }
  }
}

/** Tells the policy (and the metrics) how an engine call went. */
function report(context: ExecutionContext, engineId: EngineId, result: ExecutionResult, durationMs: number): void {
  // The duration feeds the slow-call rule: a slow answer counts, success or failure.
  if (result.kind === 'executed') {
    context.policy.send({ type: 'EXECUTION_SUCCEEDED', engine: engineId, durationMs: result.latencyMs });
    context.metrics?.latency(engineId, result.latencyMs / 1000);
  } else if (result.kind === 'failed') {
    context.policy.send({ type: 'EXECUTION_FAILED', engine: engineId, durationMs });
    context.metrics?.engineFailure(engineId);
  }
}

/**
 * How much older than the send an attempt record may be: a lookup's 404 counts from the recorded
 * send time, so a record made long before the send (the signal waited for a slot) would shorten
 * the engine's grace. Past this, the record is written again inside the slot.
 */
function staleRecordMs(context: ExecutionContext): number {
  return Math.min(250, context.limits.engineTimeoutMs / 10);
}

/**
 * Sends the signal in a slot, unless this instance may no longer or the policy moved meanwhile.
 * `recordedAt` is when its attempt record was written; `rerecord` writes it again.
 */
async function send(
  context: ExecutionContext,
  signal: Signal,
  choice: { readonly engine: EngineId; readonly affinity: boolean },
  recordedAt: number,
  rerecord: () => Promise<AttemptStart | null>,
): Promise<ExecutionResult | 'not_sent'> {
  const engineId = choice.engine;
  // The policy may have moved while the attempt was recorded: never send to a tripped engine. A
  // signal bound to its position's engine needs that engine available, active or not.
  const stillChosen = (): boolean =>
    context.mayDispatch() && (choice.affinity ? context.engineAvailable(engineId) : context.policy.activeEngine() === engineId);
  // Outside the slot: an order waiting for its engine's rate must not hold up the other engines.
  // The lane still holds the symbol, so its later signals wait behind this one.
  // Neither step awaits when it need not wait (nearly every order): no promise, no extra tick.
  const take = context.orderRate.take(engineId, context.stop);
  const { waited } = take instanceof Promise ? await take : take;
  if (waited) context.metrics?.rateLimited(engineId);
  if (context.stop.aborted) return 'not_sent';
  if (!context.slots.tryAcquire()) await context.slots.acquire();
  try {
    if (!stillChosen()) return 'not_sent';
    if (context.clock.now() - recordedAt > staleRecordMs(context)) {
      const again = await rerecord();
      if (again?.kind !== 'go' || !stillChosen()) return 'not_sent';
    }
    const engine = context.engines[engineId];
    const sentAt = context.clock.now();
    const result: ExecutionResult =
      engine === undefined
        ? { kind: 'failed', reason: `no adapter is configured for ${engineId}`, unknownOutcome: false }
        : await engine.execute(signal, { epoch: context.epoch });
    // Before the slot frees: the signal that gets it next must see the trip this answer may cause.
    report(context, engineId, result, context.clock.now() - sentAt);
    return result;
  } finally {
    context.slots.release();
  }
}

/**
 * Attempts until an outcome, a pause at shutdown, the end of the term, or a hand-off to settling.
 * Answers that settling when it handed the signal to one (it goes on outside the lane, and ends
 * when the signal's attempts do), else undefined.
 */
export async function runAttempts(context: ExecutionContext, start: SignalJob): Promise<Handoff | undefined> {
  const { policy, limits, log, clock } = context;
  const { entry, signal } = start;
  const signalId = signal.signal_id;
  let { attempts, first } = start;
  const affinityWait: AffinityWait = { since: null };
  const settle = (outcome: Parameters<typeof outcomeOf>[2], clearsAttempt = !first) =>
    settleEntry(context, entry, outcomeOf(context, entry, outcome), { clearsAttempt });

  for (;;) {
    if (isExpired(signal, clock.now())) {
      await settle({
        signalId,
        outcome: 'expired',
        engine: null,
        attempts,
        reason: `expires_at ${String(signal.expires_at)} passed before it could be executed`,
      });
      return;
    }
    const chosen = chooseEngine(context, signal, affinityWait);
    const choice = chosen instanceof Promise ? await chosen : chosen;
    if (choice === 'closing') return; // it stays pending for the next run
    if (choice === 'gave_up') {
      await settle({
        signalId,
        outcome: 'position_engine_unavailable',
        engine: null,
        attempts,
        reason: `it reduces a position held on an engine that stayed unavailable for ${limits.positionWaitMs / 1000} s (EXECUTION_POSITION_WAIT); it was sent nowhere else`,
      });
      return;
    }
    const engineId = choice.engine;
    const begun = await beginAttempt(context, { entry, signal, attempts, first }, engineId);
    if (begun === null) return; // closing: it stays pending
    switch (begun.kind) {
      case 'executed':
        await settle({ signalId, outcome: 'duplicate', engine: null, attempts, reason: 'this signal_id was already executed' }, false);
        return;
      case 'lost':
        context.released(entry.id);
        log.warn({ signal_id: signalId, why: begun.reason }, "this signal is not this term's to send any more; left to whoever holds it");
        return;
      case 'unsettled': {
        // An earlier run or another copy sent it there and no outcome was recorded: that engine
        // settles it before it may go anywhere else. Its 404 counts only after the send time plus
        // ENGINE_TIMEOUT_MS, by Redis's clock (the engine may still be placing it).
        const engine = context.engines[begun.engine];
        if (engine === undefined) {
          log.error({ signal_id: signalId, engine: begun.engine }, 'an earlier attempt went to an engine that has no adapter now; it cannot be settled here');
          return;
        }
        log.warn({ signal_id: signalId, engine: engine.id, epoch: begun.epoch }, 'settling a signal an earlier attempt sent without an outcome');
        const waitLeft = Math.max(0, begun.sentAt + limits.engineTimeoutMs - begun.now);
        return settleUnknownOutcome(
          context,
          { entry, signal, attempts: Math.max(1, attempts), first: false },
          engine,
          { freeAfter: clock.now() + waitLeft, firstAskMs: 0 },
          runAttempts,
        );
      }
      case 'unreplicated':
        // Not confirmed by REDIS_MIN_REPLICAS: a Redis failover now could forget it, so nothing is
        // sent. Not an engine failure.
        first = false;
        log.warn({ signal_id: signalId, confirmed: begun.confirmed }, 'too few Redis replicas confirmed the attempt record; not sent, retrying');
        await sleep(clock, retryDelayMs(attempts + 1, limits.retryBaseMs), context.stop);
        if (context.stop.aborted) return;
        continue;
      case 'go':
        first = false;
        break;
    }

    const engine = context.engines[engineId];
    const recordedAt = clock.now();
    const result = await send(context, signal, choice, recordedAt, () => beginAttempt(context, { entry, signal, attempts, first }, engineId));
    // Later than the send, so the grace a 404 must wait out is not cut short.
    const answeredAt = clock.now();
    if (result === 'not_sent') {
      if (!context.mayDispatch()) return; // no longer certainly the leader: it stays pending
      continue;
    }
    attempts++;
    switch (result.kind) {
      case 'executed':
        await settleEntry(
          context,
          entry,
          outcomeOf(context, entry, {
            signalId,
            outcome: 'executed',
            engine: engineId,
            attempts,
            reason: EXECUTED_ON[engineId],
            report: result.report,
            latencyMs: result.latencyMs,
            ...positionChangeFor(context, signal, engineId, result.report),
          }),
          CLEARS_ATTEMPT,
        );
        return;
      case 'rejected':
        await settle({
          signalId,
          outcome: 'rejected',
          engine: engineId,
          attempts,
          reason: `${engineId} rejected it (HTTP ${result.status}): ${result.reason}`,
        });
        return;
      case 'fenced':
        // A newer leader exists: record nothing, send nothing more; the signal stays pending for it.
        log.warn({ signal_id: signalId, engine: engineId, epoch: context.epoch, seen: result.epoch }, `${engineId} refused the order: ${result.reason}`);
        context.fenced(result.epoch);
        return;
      case 'in_progress':
        // A request with this key is still being placed: settled by lookup, and no engine failure.
        log.warn(
          { signal_id: signalId, engine: engineId, reason: result.reason },
          'the engine is still placing an earlier request for this signal; settling it by lookup',
        );
        if (engine === undefined) return;
        return settleUnknownOutcome(
          context,
          { entry, signal, attempts, first: false },
          engine,
          { freeAfter: clock.now() + limits.engineTimeoutMs, firstAskMs: limits.inDoubtPollMs },
          runAttempts,
        );
      case 'failed':
        break;
    }
    log.warn({ signal_id: signalId, engine: engineId, attempt: attempts, reason: result.reason }, 'attempt failed');
    if (result.unknownOutcome && engine !== undefined) {
      // The order may have been placed: settle it with that engine before it may go anywhere else,
      // without holding up the signals behind it.
      return settleUnknownOutcome(
        context,
        { entry, signal, attempts, first: false },
        engine,
        { freeAfter: answeredAt + limits.engineTimeoutMs, firstAskMs: limits.inDoubtPollMs },
        runAttempts,
      );
    }
    if (attempts >= limits.maxAttempts) {
      await settle({ signalId, outcome: 'attempts_exhausted', engine: engineId, attempts, reason: `${attempts} attempts failed; last: ${result.reason}` });
      return;
    }
    // A failure that moved the policy is retried on the new engine at once; the same engine, later
    // (a signal bound to its position's engine always goes back to it).
    if (choice.affinity || policy.activeEngine() === engineId) await sleep(clock, retryDelayMs(attempts, limits.retryBaseMs), context.stop);
    if (context.stop.aborted) return;
  }
}
