/**
 * The execution manager: the consumer loop of one leader term. It takes signals from the queue,
 * hands each to its symbol's lane (`attempt.ts`), takes over what a dead or former leader left, and
 * on `close()` stops taking and finishes what it holds.
 *
 * Data path: queue.take (bytes, bounded and strictly decoded there) → parseSignal → lane →
 * runAttempts (attempt record, engine call, policy event) → settleEntry (outcome, dedup, ack) or
 * settleUnknownOutcome (lookups, then one of those).
 */
import { setMaxListeners } from 'node:events';
import type { EngineId } from '../../machines/engines.js';
import { isCandidate } from '../../machines/policy.js';
import { sleep, systemClock, type Clock } from '../clock.js';
import type { ExecutionEngine } from '../engines/types.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { Alert } from '../policy/alerts.js';
import type { PolicyRuntime } from '../policy/runtime.js';
import type { PositionLedger } from '../signals/positions.js';
import type { QueuedSignal, SignalQueue } from '../signals/queue.js';
import { parseSignal } from '../signals/signal.js';
import { runAttempts } from './attempt.js';
import { retryDelayMs } from './backoff.js';
import { closeRacer, type ExecutionContext, type ExecutionLimits } from './context.js';
import { KeyedLanes } from './lanes.js';
import { outcomeOf, settleEntry } from './settle.js';
import { UNLIMITED, type OrderRateLimiter } from './orderRate.js';
import { Slots } from './slots.js';

// Signals held ahead of the engine calls: enough that the attempt records and outcomes of many go
// to Redis together, and that the next batch is read while the last ones are being recorded (a
// profile found the pipeline waiting on Redis a third of its time with 4 per slot; at the default
// concurrency, 256 made about a quarter more signals/s than 128 in alternating runs, 512 no more
// than 256), few enough that a pause or a crash leaves little taken (it stays pending, never lost)
// and that the memory bound stays modest (README, Memory).
const READ_AHEAD_FACTOR = 16;
const MIN_READ_AHEAD = 256;

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
  /** The term's epoch, sent as `X-Leader-Epoch`. */
  readonly epoch: number;
  readonly limits: Omit<ExecutionLimits, 'retryBaseMs' | 'drainMs' | 'positionWaitMs'> &
    Partial<Pick<ExecutionLimits, 'retryBaseMs' | 'drainMs' | 'positionWaitMs'>>;
  /** `EXECUTION_POSITION_AFFINITY`: the ledger to route by; unset, every signal goes to the active engine. */
  readonly positions?: PositionLedger;
  /** `ENGINE_<ID>_MAX_ORDERS_PER_SECOND`; unset, no engine's order rate is limited. */
  readonly orderRate?: OrderRateLimiter;
  /** How long one read of the queue blocks. */
  readonly takeBlockMs?: number;
  /**
   * Checked before every read and every send: false (the lease is no longer certainly ours)
   * leaves the signals pending for whoever leads next. Default: always true.
   */
  readonly mayDispatch?: () => boolean;
  /** An engine answered `stale_epoch` with this epoch: the term must end. */
  readonly onFenced?: (seenEpoch: number) => void;
  /**
   * Entries another consumer took and left unsettled this long are taken over (a dead or former
   * leader's), at start whatever their idle time, then checked every so often. Unset: never.
   */
  readonly reclaimIdleMs?: number;
  readonly clock?: Clock;
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
  readonly #context: ExecutionContext;
  /** Signals taken and not yet settled, at most: a freed slot finds the next signal already read. */
  readonly #readAhead: number;
  readonly #stop = new AbortController();
  readonly #tasks = new Set<Promise<void>>();
  /** Entries in this term's hands, by entry id: never admitted twice (a reclaim may return ours). */
  readonly #held = new Set<string>();
  /** One lane per signal id: its copies (two entries, or a repeat produced later) one at a time. */
  readonly #copies = new KeyedLanes();
  #reclaimTimer: unknown = null;
  #engineWaiters: Array<(engine: EngineId | null) => void> = [];
  #capacityWaiters: Array<() => void> = [];
  #executing = 0;
  #inDoubt = 0;
  #settled = 0;
  #fenced = false;
  #closedAt: number | null = null;
  #loop: Promise<void> | null = null;
  #closing: Promise<void> | null = null;
  #unsubscribe: (() => void) | null = null;

  constructor(options: ExecutionManagerOptions) {
    this.#options = options;
    this.#readAhead = Math.max(options.concurrency * READ_AHEAD_FACTOR, MIN_READ_AHEAD);
    // Every retry sleep and Redis step at shutdown listens to this one signal; many do at once.
    setMaxListeners(0, this.#stop.signal);
    this.#context = {
      queue: options.queue,
      policy: options.policy,
      engines: options.engines,
      log: options.log,
      metrics: options.metrics,
      alert: options.alert,
      clock: options.clock ?? systemClock,
      epoch: options.epoch,
      limits: { retryBaseMs: 50, drainMs: 5000, positionWaitMs: 300_000, ...options.limits },
      positions: options.positions ?? null,
      engineAvailable: (engine) => options.policy.isRunning() && isCandidate(options.policy.state().context, engine),
      lanes: new KeyedLanes(),
      slots: new Slots(options.concurrency),
      orderRate: options.orderRate ?? UNLIMITED,
      stop: this.#stop.signal,
      untilClosed: closeRacer(this.#stop.signal),
      drainDeadline: () => (this.#closedAt === null ? Infinity : this.#closedAt + this.#context.limits.drainMs),
      mayDispatch: () => !this.#fenced && (options.mayDispatch?.() ?? true),
      fenced: (seenEpoch) => {
        if (this.#fenced) return;
        this.#fenced = true;
        options.onFenced?.(seenEpoch);
      },
      activeEngine: () => this.#activeEngine(),
      track: (task) => this.#track(task),
      trackInDoubt: (task) => {
        this.#inDoubt++;
        this.#track(task.finally(() => this.#inDoubt--));
      },
      released: (entryId) => this.#held.delete(entryId),
      countSettled: () => this.#settled++,
    };
  }

  /** Takes up what this consumer left unsettled and what others abandoned, then consumes until `close()`. */
  async start(): Promise<void> {
    if (this.#loop !== null) return;
    const { policy, queue, log } = this.#options;
    this.#unsubscribe = policy.subscribe(() => {
      // A pause must not leave a read waiting for the next signal: it would take one while paused.
      if (policy.activeEngine() === null) queue.interrupt();
      this.#wakeEngineWaiters();
    });
    const leftOver = await queue.start();
    if (leftOver.length > 0) log.info({ count: leftOver.length }, 'taking up signals left unsettled by an earlier run');
    for (const entry of leftOver) this.#admit(entry);
    // A former leader can write nothing any more (every write checks the lease), and what it sent
    // carries an attempt record: its entries are safe to take over at once.
    await this.#reclaim(0);
    this.#loop = this.#consume().catch((error: unknown) => {
      log.error({ err: error }, 'the consumer loop stopped');
    });
  }

  /** Stops taking signals, finishes those being executed, leaves the rest pending. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#closedAt = this.#context.clock.now();
      this.#stop.abort();
      if (this.#reclaimTimer !== null) this.#context.clock.clearTimeout(this.#reclaimTimer);
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
    const { clock } = this.#context;
    let failures = 0;
    while (!this.#closed) {
      // Nothing is taken while paused: signals wait in Redis.
      if ((await this.#activeEngine()) === null) break;
      await this.#capacity();
      if (this.#closed || !this.#context.mayDispatch()) break;
      let batch: QueuedSignal[];
      try {
        batch = await queue.take(this.#readAhead - this.#executing, this.#options.takeBlockMs ?? 1000);
        failures = 0;
      } catch (error) {
        failures++;
        log.error({ err: error }, 'could not read the signal queue; retrying');
        await sleep(clock, retryDelayMs(failures, 100, 5000), this.#stop.signal);
        continue;
      }
      for (const entry of batch) this.#admit(entry);
    }
  }

  #admit(entry: QueuedSignal): void {
    if (this.#held.has(entry.id)) return;
    this.#held.add(entry.id);
    this.#executing++;
    // One promise for the error, the count and the task set: this runs for every signal.
    const task: Promise<void> = this.#handle(entry).then(
      () => this.#handled(task),
      (error: unknown) => {
        this.#options.log.error({ err: error, entry: entry.id }, 'a signal could not be handled; it stays pending');
        this.#handled(task);
      },
    );
    this.#tasks.add(task);
  }

  #handled(task: Promise<void>): void {
    this.#executing--;
    this.#capacityWaiters.shift()?.();
    this.#tasks.delete(task);
  }

  async #handle(entry: QueuedSignal): Promise<void> {
    // The queue read bytes that are no signal (not UTF-8, too large, no signal field): `raw` is a
    // rendering for the dead-letter entry, so it must not even be parsed.
    const parsed = entry.invalid === undefined ? parseSignal(entry.raw) : ({ ok: false, signalId: '', reason: entry.invalid } as const);
    if (!parsed.ok) {
      const outcome = outcomeOf(this.#context, entry, { signalId: parsed.signalId, outcome: 'invalid', engine: null, attempts: 0, reason: parsed.reason });
      await settleEntry(this.#context, entry, outcome, { clearsAttempt: false });
      return;
    }
    const { signal } = parsed;
    // Copies of one signal go one after the other, each to its very end (its in-doubt settling and
    // the retries after it included): side by side, each could find the other's attempt not
    // placed, and send it again to another engine while the other's was being placed.
    const release = this.#copies.tryHold(signal.signal_id) ?? (await this.#copies.hold(signal.signal_id));
    try {
      const handoff = await this.#context.lanes.run(signal.symbol, () => runAttempts(this.#context, { entry, signal, attempts: 0, first: true }));
      if (handoff === undefined) release();
      else void handoff.settling.finally(release);
    } catch (error) {
      release();
      throw error;
    }
  }

  /** Takes over what a dead or former leader left, now and then periodically. */
  async #reclaim(minIdleMs: number): Promise<void> {
    const idleMs = this.#options.reclaimIdleMs;
    if (idleMs === undefined || this.#closed) return;
    try {
      const claimed = (await this.#options.queue.reclaim(minIdleMs)).filter((entry) => !this.#held.has(entry.id));
      if (claimed.length > 0) this.#options.log.warn({ count: claimed.length }, 'took over signals another consumer left unsettled');
      for (const entry of claimed) this.#admit(entry);
    } catch (error) {
      this.#options.log.error({ err: error }, 'could not take over abandoned signals; trying again later');
    }
    if (this.#closed) return;
    this.#reclaimTimer = this.#context.clock.setTimeout(() => void this.#reclaim(idleMs), Math.max(100, idleMs / 2));
  }

  #track(task: Promise<void>): void {
    this.#tasks.add(task);
    void task.finally(() => this.#tasks.delete(task));
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
}
