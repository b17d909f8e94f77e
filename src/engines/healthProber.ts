/**
 * Probes every engine's health on a fixed interval and hands each round's results to the policy
 * (as `at`-stamped events). Rounds never overlap, so two probes of one engine are always at least an
 * interval apart, which the recovery rule ("N healthy probes, an interval apart") relies on.
 */
import type { EngineId } from '../../machines/engines.js';
import { systemClock, type Clock } from '../clock.js';
import type { EngineCall, ExecutionEngine } from './types.js';

/** Health per engine from one round: true only for a healthy answer in time. */
export type HealthResults = Partial<Record<EngineId, boolean>>;

/** What the prober needs. */
export interface HealthProberOptions {
  readonly engines: readonly ExecutionEngine[];
  /**
   * The leader term's epoch, sent with every probe: a fencing bridge counts the epoch of any request
   * (contract section 7), so probes make a new leader known to the bridges before its first order.
   */
  readonly epoch: number;
  /** `EXECUTION_HEALTH_CHECK_INTERVAL`: seconds from the start of one round to the next. */
  readonly intervalSeconds: number;
  /** Called once per round with every engine's result and the round's end time (epoch ms). */
  readonly onResults: (results: HealthResults, at: number) => void;
  /** A probe still unanswered after this counts as unhealthy; default the interval. */
  readonly probeTimeoutMs?: number;
  /** Called when `onResults` throws; default a process warning. */
  readonly onError?: (error: unknown) => void;
  /** Schedules rounds and probe deadlines, and stamps each round's end; default {@link systemClock}. */
  readonly clock?: Clock;
}

/** A running or stopped prober. */
export interface HealthProber {
  /** Runs a round at once, then one every interval. Does nothing if already started. */
  start(): void;
  /**
   * Runs a round now and restarts the interval from it. While a round is in flight, answers that
   * round instead of starting another. Works whether or not the prober was started.
   */
  probeNow(): Promise<HealthResults>;
  /** Stops the schedule and resolves once the round in flight (if any) has delivered. Idempotent. */
  stop(): Promise<void>;
}

function warn(error: unknown): void {
  process.emitWarning(new Error('Health prober: the results handler failed', { cause: error }));
}

/** A prober of `engines`; it does nothing until {@link HealthProber.start} or `probeNow`. */
export function createHealthProber(options: HealthProberOptions): HealthProber {
  const { engines, onResults } = options;
  const call: EngineCall = { epoch: options.epoch };
  const intervalMs = options.intervalSeconds * 1000;
  if (!Number.isFinite(intervalMs) || intervalMs <= 0) {
    throw new RangeError(`The health check interval must be a positive number of seconds, got ${options.intervalSeconds}`);
  }
  const probeTimeoutMs = options.probeTimeoutMs ?? intervalMs;
  const clock = options.clock ?? systemClock;
  const onError = options.onError ?? warn;

  let running = false;
  let timer: unknown;
  let inFlight: Promise<HealthResults> | undefined;
  /** The interval ran out during a slow round: the next round starts as soon as it ends. */
  let overdue = false;

  function disarm(): void {
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = undefined;
  }

  function arm(): void {
    disarm();
    if (!running) return;
    timer = clock.setTimeout(() => {
      timer = undefined;
      if (inFlight === undefined) void beginRound();
      else overdue = true;
    }, intervalMs);
  }

  async function probe(engine: ExecutionEngine): Promise<boolean> {
    let deadline: unknown;
    const late = new Promise<boolean>((resolve) => {
      deadline = clock.setTimeout(() => resolve(false), probeTimeoutMs);
    });
    try {
      // `=== true`: an engine answering anything but a plain yes is not healthy.
      const answer = engine.health(call).then(
        (healthy) => healthy === true,
        () => false,
      );
      return await Promise.race([answer, late]);
    } catch {
      // engine.health() threw synchronously despite its contract.
      return false;
    } finally {
      if (deadline !== undefined) clock.clearTimeout(deadline);
    }
  }

  async function round(): Promise<HealthResults> {
    try {
      const healthy = await Promise.all(engines.map(probe));
      const results: HealthResults = {};
      engines.forEach((engine, index) => {
        results[engine.id] = healthy[index] ?? false;
      });
      try {
        onResults(results, clock.now());
      } catch (error) {
        reportError(error);
      }
      return results;
    } finally {
      inFlight = undefined;
      if (overdue && running) {
        overdue = false;
        void beginRound();
      }
    }
  }

  function reportError(error: unknown): void {
    try {
      onError(error);
    } catch {
      // A failing error handler must not stop the probing that the policy depends on.
    }
  }

  function beginRound(): Promise<HealthResults> {
    if (inFlight !== undefined) return inFlight;
    overdue = false;
    arm();
    inFlight = round();
    return inFlight;
  }

  return {
    start() {
      if (running) return;
      running = true;
      // A round already in flight (from probeNow) counts as the first; only the schedule is missing.
      if (inFlight === undefined) void beginRound();
      else arm();
    },
    probeNow: beginRound,
    async stop() {
      running = false;
      overdue = false;
      disarm();
      await inFlight;
    },
  };
}
