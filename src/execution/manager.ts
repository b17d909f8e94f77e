/**
 * The execution manager: takes signals from the queue, executes each on the engine the policy
 * names, tells the policy how it went, and settles every signal with exactly one outcome.
 *
 * The policy decides, the manager acts: it never chooses an engine itself.
 */
import { setMaxListeners } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import type { EngineId } from '../../machines/engines.js';
import type { ExecutionEngine, ExecutionResult } from '../engines/types.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { Alert } from '../policy/alerts.js';
import type { PolicyRuntime } from '../policy/runtime.js';
import { ALERTING_OUTCOMES, type Outcome, type OutcomeKind } from '../signals/outcome.js';
import type { QueuedSignal, SignalQueue } from '../signals/queue.js';
import { isExpired, parseSignal, type Signal } from '../signals/signal.js';
import { retryDelayMs } from './backoff.js';
import { KeyedLanes } from './lanes.js';
import { Slots } from './slots.js';

// Signals held ahead of the engine calls: enough to keep every slot busy between two reads, few
// enough that a pause or a crash leaves little taken (it stays pending in Redis, never lost).
const READ_AHEAD_FACTOR = 4;
const MIN_READ_AHEAD = 32;

/** What the manager works with. */
export interface ExecutionManagerOptions {
  readonly queue: SignalQueue;
  readonly policy: PolicyRuntime;
  readonly engines: Partial<Record<EngineId, ExecutionEngine>>;
  readonly log: Logger;
  readonly metrics?: Metrics;
  readonly alert: (alert: Alert) => void;
  /** `EXECUTION_CONCURRENCY`: signals executing at once. */
  readonly concurrency: number;
  /** `SIGNAL_MAX_ATTEMPTS`. */
  readonly maxAttempts: number;
  /** `IN_DOUBT_TIMEOUT` in ms. */
  readonly inDoubtTimeoutMs: number;
  /** How often an unknown outcome is asked about: `EXECUTION_HEALTH_CHECK_INTERVAL` in ms. */
  readonly inDoubtPollMs: number;
  /** How long one read of the queue blocks. */
  readonly takeBlockMs?: number;
  /** First delay between two attempts of a signal; doubles per attempt. */
  readonly retryBaseMs?: number;
  /**
   * Fencing: checked right before every dispatch; false (the leader lease is no longer certainly
   * ours) leaves the signal pending for whoever leads next. Default: always true.
   */
  readonly mayDispatch?: () => boolean;
  /**
   * Entries another consumer took and left unsettled this long are taken over (a dead leader's);
   * checked every half of it. Unset: never (a single instance without a lease).
   */
  readonly reclaimIdleMs?: number;
  /**
   * The leader term's epoch, sent as `X-Leader-Epoch` with every engine call (contract section 7).
   * The leader term supplies it; default 0 until it does.
   */
  readonly epoch?: number;
  readonly now?: () => number;
}

/** Counts for tests, the benchmark and the inspector. */
export interface ManagerStats {
  /** Signals taken and not yet settled, in-doubt ones excluded. */
  readonly executing: number;
  /** Signals whose outcome is being settled with the engine that took them. */
  readonly inDoubt: number;
  /** Signals settled since start. */
  readonly settled: number;
}

/** Runs the consumer loop until `close()`. */
export class ExecutionManager {
  readonly #options: ExecutionManagerOptions;
  readonly #now: () => number;
  readonly #lanes = new KeyedLanes();
  /** Engine calls in flight: at most `EXECUTION_CONCURRENCY`. */
  readonly #slots: Slots;
  /** Signals taken and not yet settled, at most: a freed slot finds the next signal already read. */
  readonly #readAhead: number;
  readonly #stop = new AbortController();
  readonly #tasks = new Set<Promise<void>>();
  /** Entries taken and not yet settled, by entry id: never admitted twice (a reclaim may return ours). */
  readonly #unsettled = new Set<string>();
  #reclaimTimer: NodeJS.Timeout | null = null;
  #engineWaiters: Array<(engine: EngineId | null) => void> = [];
  #capacityWaiters: Array<() => void> = [];
  #executing = 0;
  #inDoubt = 0;
  #settled = 0;
  #loop: Promise<void> | null = null;
  #closing: Promise<void> | null = null;
  #unsubscribe: (() => void) | null = null;

  constructor(options: ExecutionManagerOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#slots = new Slots(options.concurrency);
    this.#readAhead = Math.max(options.concurrency * READ_AHEAD_FACTOR, MIN_READ_AHEAD);
    // Every retry sleep listens to this one signal; many signals may sleep at once.
    setMaxListeners(0, this.#stop.signal);
  }

  /** Takes up what this consumer left unsettled, then consumes until `close()`. */
  async start(): Promise<void> {
    if (this.#loop !== null) return;
    this.#unsubscribe = this.#options.policy.subscribe(() => {
      // A pause must not leave a read waiting for the next signal: it would take one while paused.
      if (this.#options.policy.activeEngine() === null) this.#options.queue.interrupt();
      this.#wakeEngineWaiters();
    });
    const leftOver = await this.#options.queue.start();
    if (leftOver.length > 0) {
      this.#options.log.info({ count: leftOver.length }, 'taking up signals left unsettled by an earlier run');
    }
    for (const entry of leftOver) this.#admit(entry);
    await this.#reclaim();
    this.#loop = this.#consume().catch((error: unknown) => {
      this.#options.log.error({ err: error }, 'the consumer loop stopped');
    });
  }

  /** Stops taking signals, finishes those being executed, leaves the rest pending. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#stop.abort();
      if (this.#reclaimTimer) clearTimeout(this.#reclaimTimer);
      this.#wakeEngineWaiters();
      for (const wake of this.#capacityWaiters.splice(0)) wake();
      this.#unsubscribe?.();
      await this.#loop;
      while (this.#tasks.size > 0) await Promise.allSettled([...this.#tasks]);
    })();
    return this.#closing;
  }

  /** Current counts. */
  stats(): ManagerStats {
    return { executing: this.#executing, inDoubt: this.#inDoubt, settled: this.#settled };
  }

  get #closed(): boolean {
    return this.#stop.signal.aborted;
  }

  async #consume(): Promise<void> {
    const { queue, log } = this.#options;
    let failures = 0;
    while (!this.#closed) {
      // Nothing is taken while paused: signals wait in Redis.
      if ((await this.#activeEngine()) === null) break;
      await this.#capacity();
      if (this.#closed) break;
      let batch: QueuedSignal[];
      try {
        batch = await queue.take(this.#readAhead - this.#executing, this.#options.takeBlockMs ?? 1000);
        failures = 0;
      } catch (error) {
        failures++;
        log.error({ err: error }, 'could not read the signal queue; retrying');
        await this.#sleep(retryDelayMs(failures, 100, 5000));
        continue;
      }
      for (const entry of batch) this.#admit(entry);
    }
  }

  #admit(entry: QueuedSignal): void {
    if (this.#unsettled.has(entry.id)) return;
    this.#unsettled.add(entry.id);
    this.#executing++;
    const task = this.#handle(entry)
      .catch((error: unknown) => {
        this.#options.log.error({ err: error, entry: entry.id }, 'a signal could not be handled; it stays pending');
      })
      .finally(() => {
        this.#executing--;
        this.#capacityWaiters.shift()?.();
      });
    this.#track(task);
  }

  /** Takes over what a dead leader left, now and then periodically. */
  async #reclaim(): Promise<void> {
    const idleMs = this.#options.reclaimIdleMs;
    if (idleMs === undefined || this.#closed) return;
    try {
      const claimed = (await this.#options.queue.reclaim(idleMs)).filter((entry) => !this.#unsettled.has(entry.id));
      if (claimed.length > 0) this.#options.log.warn({ count: claimed.length }, 'took over signals another consumer left unsettled');
      for (const entry of claimed) this.#admit(entry);
    } catch (error) {
      this.#options.log.error({ err: error }, 'could not take over abandoned signals; trying again later');
    }
    if (this.#closed) return;
    this.#reclaimTimer = setTimeout(() => void this.#reclaim(), Math.max(100, idleMs / 2));
    this.#reclaimTimer.unref();
  }

  #track(task: Promise<void>): void {
    this.#tasks.add(task);
    void task.finally(() => this.#tasks.delete(task));
  }

  async #handle(entry: QueuedSignal): Promise<void> {
    const parsed = parseSignal(entry.raw);
    if (!parsed.ok) {
      await this.#settle(entry, this.#outcome(entry, parsed.signalId, 'invalid', null, 0, parsed.reason));
      return;
    }
    const { signal } = parsed;
    await this.#lanes.run(signal.symbol, () => this.#attempt(entry, signal, 0));
  }

  /** Runs a Redis step, retrying through outages; not ok once closing. */
  async #withRedis<T>(what: string, step: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false }> {
    for (let attempt = 1; ; attempt++) {
      try {
        return { ok: true, value: await step() };
      } catch (error) {
        if (this.#closed) return { ok: false };
        this.#options.log.error({ err: error, attempt }, `could not ${what}; retrying`);
        await this.#sleep(retryDelayMs(attempt, 100, 5000));
      }
    }
  }

  /** Attempts until an outcome, a pause at shutdown, or an unknown outcome handed to settling. */
  async #attempt(entry: QueuedSignal, signal: Signal, attemptsSoFar: number): Promise<void> {
    const { policy, engines, metrics, maxAttempts, queue } = this.#options;
    let attempts = attemptsSoFar;
    // Only a signal new to this run may have been sent by an earlier one without an outcome.
    let first = attemptsSoFar === 0;
    for (;;) {
      if (isExpired(signal, this.#now())) {
        await this.#settle(entry, this.#outcome(entry, signal.signal_id, 'expired', null, attempts, `expires_at ${String(signal.expires_at)} passed before it could be executed`));
        return;
      }
      const engineId = await this.#activeEngine();
      if (engineId === null) return; // shutting down while paused: it stays pending for the next run
      const begun = await this.#withRedis('record the attempt', () => queue.beginAttempt(signal.signal_id, engineId, first));
      if (!begun.ok) return; // closing: it stays pending
      if (begun.value.kind === 'executed') {
        await this.#settle(entry, this.#outcome(entry, signal.signal_id, 'duplicate', null, attempts, 'this signal_id was already executed'));
        return;
      }
      first = false;
      if (begun.value.kind === 'unsettled') {
        const earlier = engines[begun.value.engine];
        if (earlier !== undefined) {
          // An earlier run sent it there and never recorded how it ended (a crash or a takeover):
          // that engine settles it before it may go anywhere else.
          this.#options.log.warn({ signal_id: signal.signal_id, engine: earlier.id }, 'settling a signal an earlier run sent without an outcome');
          this.#settleUnknownOutcome(entry, signal, earlier, Math.max(1, attempts), this.#now(), 0);
          return;
        }
        continue;
      }
      const engine = engines[engineId];
      let result: ExecutionResult;
      let startedAt: number;
      await this.#slots.acquire();
      try {
        if (!(this.#options.mayDispatch?.() ?? true)) return; // no longer certainly the leader: leave it pending
        // The policy may have moved meanwhile: never send to a tripped engine.
        if (policy.activeEngine() !== engineId) continue;
        attempts++;
        startedAt = this.#now();
        result = engine
          ? await engine.execute(signal, { epoch: this.#options.epoch ?? 0 })
          : { kind: 'failed', reason: `no adapter is configured for ${engineId}`, unknownOutcome: false };
      } finally {
        this.#slots.release();
      }
      if (result.kind === 'executed') {
        policy.send({ type: 'EXECUTION_SUCCEEDED', engine: engineId });
        metrics?.latency(engineId, result.latencyMs / 1000);
        await this.#settle(entry, {
          ...this.#outcome(entry, signal.signal_id, 'executed', engineId, attempts, `executed on ${engineId}`),
          report: result.report,
          latencyMs: result.latencyMs,
        });
        return;
      }
      if (result.kind === 'rejected') {
        await this.#settle(entry, this.#outcome(entry, signal.signal_id, 'rejected', engineId, attempts, `${engineId} rejected it (HTTP ${result.status}): ${result.reason}`));
        return;
      }
      // Transitional, until the manager ends the term on a fence (contract section 7): a newer
      // leader exists, so nothing more is sent for this signal and it stays pending for that leader.
      if (result.kind === 'fenced') {
        this.#options.log.warn({ signal_id: signal.signal_id, engine: engineId, epoch: result.epoch, reason: result.reason }, 'fenced by a newer leader; the signal stays pending');
        return;
      }
      // Only an engine answers 409 in progress: an unknown outcome to settle by lookup, but no failure.
      if (result.kind === 'in_progress') {
        if (engine) this.#settleUnknownOutcome(entry, signal, engine, attempts, startedAt);
        return;
      }
      policy.send({ type: 'EXECUTION_FAILED', engine: engineId });
      metrics?.engineFailure(engineId);
      this.#options.log.warn({ signal_id: signal.signal_id, engine: engineId, attempt: attempts, reason: result.reason }, 'attempt failed');
      if (result.unknownOutcome && engine) {
        // The order may have been placed: settle it with that engine before it may go anywhere else,
        // without holding up the signals behind it.
        this.#settleUnknownOutcome(entry, signal, engine, attempts, startedAt);
        return;
      }
      if (attempts >= maxAttempts) {
        await this.#settle(entry, this.#outcome(entry, signal.signal_id, 'attempts_exhausted', engineId, attempts, `${attempts} attempts failed; last: ${result.reason}`));
        return;
      }
      // A failure that moved the policy is retried on the new engine at once; the same engine, later.
      if (policy.activeEngine() === engineId) await this.#sleep(retryDelayMs(attempts, this.#options.retryBaseMs));
      if (this.#closed) return;
    }
  }

  #settleUnknownOutcome(entry: QueuedSignal, signal: Signal, engine: ExecutionEngine, attempts: number, startedAt: number, firstAskMs?: number): void {
    this.#inDoubt++;
    const task = this.#askUntilSettled(entry, signal, engine, attempts, startedAt, firstAskMs).finally(() => {
      this.#inDoubt--;
    });
    this.#track(
      task.catch((error: unknown) => {
        this.#options.log.error({ err: error, signal_id: signal.signal_id }, 'settling an unknown outcome failed; the signal stays pending');
      }),
    );
  }

  async #askUntilSettled(entry: QueuedSignal, signal: Signal, engine: ExecutionEngine, attempts: number, startedAt: number, firstAskMs?: number): Promise<void> {
    const { inDoubtTimeoutMs, inDoubtPollMs, maxAttempts } = this.#options;
    const deadline = this.#now() + inDoubtTimeoutMs;
    for (let asked = 0; ; asked++) {
      const wait = asked === 0 && firstAskMs !== undefined ? firstAskMs : inDoubtPollMs;
      await this.#sleep(Math.min(wait, Math.max(0, deadline - this.#now())));
      if (this.#closed) return;
      const lookup = await engine.lookup(signal.signal_id, { epoch: this.#options.epoch ?? 0 });
      if (lookup.kind === 'executed') {
        await this.#settle(entry, {
          ...this.#outcome(entry, signal.signal_id, 'executed', engine.id, attempts, `executed on ${engine.id} (confirmed after an unknown outcome)`),
          report: lookup.report,
          latencyMs: this.#now() - startedAt,
        });
        return;
      }
      if (lookup.kind === 'not_found') {
        if (attempts >= maxAttempts) {
          await this.#settle(entry, this.#outcome(entry, signal.signal_id, 'attempts_exhausted', engine.id, attempts, `${attempts} attempts failed; ${engine.id} confirmed the last was not executed`));
          return;
        }
        await this.#lanes.run(signal.symbol, () => this.#attempt(entry, signal, attempts));
        return;
      }
      if (this.#now() >= deadline) {
        await this.#settle(entry, this.#outcome(entry, signal.signal_id, 'in_doubt', engine.id, attempts, `${engine.id} took the order but its outcome stayed unknown for ${inDoubtTimeoutMs / 1000} s; reconcile by hand`));
        return;
      }
    }
  }

  #outcome(entry: QueuedSignal, signalId: string, outcome: OutcomeKind, engine: EngineId | null, attempts: number, reason: string): Outcome {
    return { signalId, outcome, engine, attempts, reason, signal: entry.raw, at: this.#now() };
  }

  /** Records the outcome and acknowledges; Redis errors are retried, so a result is never lost. */
  async #settle(entry: QueuedSignal, outcome: Outcome): Promise<void> {
    const { queue, log, metrics } = this.#options;
    let recorded = false;
    for (let attempt = 1; ; attempt++) {
      try {
        recorded = await queue.settle(entry, outcome);
        break;
      } catch (error) {
        log.error({ err: error, signal_id: outcome.signalId, outcome: outcome.outcome, attempt }, 'could not record an outcome; retrying');
        await delay(retryDelayMs(attempt, 100, 5000));
      }
    }
    this.#unsettled.delete(entry.id);
    if (!recorded) {
      log.warn({ signal_id: outcome.signalId, outcome: outcome.outcome }, 'another consumer took this signal over; its outcome is theirs to record');
      return;
    }
    this.#settled++;
    metrics?.outcome(outcome.outcome, outcome.engine);
    const level = outcome.outcome === 'executed' || outcome.outcome === 'duplicate' ? 'debug' : 'info';
    log[level]({ signal_id: outcome.signalId, outcome: outcome.outcome, engine: outcome.engine, attempts: outcome.attempts, reason: outcome.reason }, 'signal settled');
    if (ALERTING_OUTCOMES.has(outcome.outcome)) {
      this.#options.alert({
        event: outcome.outcome === 'in_doubt' ? 'in_doubt' : 'attempts_exhausted',
        from: outcome.engine,
        to: null,
        reason: outcome.outcome,
        at: new Date(outcome.at).toISOString(),
        text: `Signal ${outcome.signalId || '(no id)'} went to the dead-letter stream as ${outcome.outcome}: ${outcome.reason}.`,
      });
    }
  }

  /** The active engine; waits while paused. Null once closing. */
  #activeEngine(): Promise<EngineId | null> {
    const engine = this.#options.policy.activeEngine();
    if (engine !== null || this.#closed) return Promise.resolve(this.#closed && engine === null ? null : engine);
    return new Promise((resolve) => this.#engineWaiters.push(resolve));
  }

  #wakeEngineWaiters(): void {
    const engine = this.#options.policy.activeEngine();
    if (engine === null && !this.#closed) return;
    for (const wake of this.#engineWaiters.splice(0)) wake(engine);
  }

  async #capacity(): Promise<void> {
    while (this.#executing >= this.#readAhead && !this.#closed) {
      await new Promise<void>((resolve) => this.#capacityWaiters.push(resolve));
    }
  }

  async #sleep(ms: number): Promise<void> {
    try {
      await delay(ms, undefined, { signal: this.#stop.signal });
    } catch {
      // Aborted by close(): the caller checks.
    }
  }
}
