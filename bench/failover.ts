/**
 * Failover reaction under load. The service runs with instrumented `sim://` engines (1 ms); the primary
 * answers its first `healthySignals` orders, then fails every call (mode `fail`, as a 500 would).
 * Every engine call is stamped, so the run tells
 *   - how many signals went to the primary after its threshold-th failed answer (should be 0), and
 *   - how long after that answer the first order reached backup 1.
 */
import { Redis } from 'ioredis';
import { ENGINE_IDS, PRIMARY_ENGINE, type EngineId } from '../machines/engines.js';
import { createEngine, isSimEngine } from '../src/engines/createEngine.js';
import type { EngineCall, ExecutionEngine, ExecutionResult } from '../src/engines/types.js';
import type { RunningService } from '../src/service/service.js';
import type { Signal } from '../src/signals/signal.js';
import { benchConfig, benchKeys, startBenchService, type BenchServiceOptions } from './benchService.js';
import { fillStream } from './signals.js';
import { median, nowMs, waitUntil } from './timing.js';

const BACKUP_1: EngineId = 'quanttrader_pybroker';

/**
 * Engines that answer after about a millisecond, as real ones never answer at once: answers then
 * spread over time and new signals keep being admitted while the primary's failures come in, which
 * is when a signal can pick the engine that is about to trip.
 */
const FAILOVER_SIM_URL = 'sim://?latency_ms=1';

/** What the failover trials run with. */
export interface FailoverOptions {
  readonly redisUrl: string;
  readonly trials: number;
  /** Signals queued per trial. */
  readonly signals: number;
  /** Orders the primary fills before it starts failing. */
  readonly healthySignals: number;
  readonly symbols: number;
  readonly concurrency: number;
  readonly timeoutMs: number;
}

/** One trial's measurement. */
export interface FailoverTrial {
  /** Primary calls that started after its threshold-th failed answer. */
  readonly signalsToTrippedEngine: number;
  /** Primary calls that started after the policy left `primaryActive`. */
  readonly signalsAfterPolicyMoved: number;
  /** From the threshold-th failed answer to the first call on backup 1. */
  readonly reactionMs: number;
  /** From the threshold-th failed answer to the policy leaving `primaryActive`. */
  readonly policyMs: number;
}

/** All trials, summarised. */
export interface FailoverResult {
  readonly trials: readonly FailoverTrial[];
  readonly threshold: number;
  /** The worst trial. */
  readonly signalsToTrippedEngine: number;
  readonly reactionMsMedian: number;
  readonly reactionMsMax: number;
  readonly policyMsMedian: number;
}

/** A moment of the run: its place among all stamped moments, and its time. */
interface Stamp {
  /** Orders the moments exactly, so "after" does not depend on timer resolution. */
  readonly sequence: number;
  readonly at: number;
}

/** One engine call as the instrumentation saw it. */
interface Call extends Stamp {
  readonly engine: EngineId;
}

/** Engines that stamp every call, with the primary turning to failure after `healthySignals` fills. */
function instrumentedEngines(timeoutMs: number, healthySignals: number, threshold: number) {
  let sequence = 0;
  const stamp = (): Stamp => ({ sequence: ++sequence, at: nowMs() });
  const calls: Call[] = [];
  let primaryFilled = 0;
  let primaryFailures = 0;
  let trip: Stamp | null = null;
  const engines: Partial<Record<EngineId, ExecutionEngine>> = {};
  for (const id of ENGINE_IDS) {
    const inner = createEngine(id, FAILOVER_SIM_URL, { timeoutMs });
    const execute = async (signal: Signal, call: EngineCall): Promise<ExecutionResult> => {
      calls.push({ engine: id, ...stamp() });
      const result = await inner.execute(signal, call);
      if (id === PRIMARY_ENGINE) {
        if (result.kind === 'executed' && ++primaryFilled === healthySignals) {
          if (!isSimEngine(inner)) throw new Error('The failover benchmark needs a sim:// primary to inject its failure');
          inner.setFaults({ mode: 'fail' });
        }
        if (result.kind === 'failed' && ++primaryFailures === threshold) trip = stamp();
      }
      return result;
    };
    engines[id] = { id, url: inner.url, execute, health: (call) => inner.health(call), lookup: (signalId, call) => inner.lookup(signalId, call) };
  }
  return { engines, calls, stamp, trip: () => trip };
}

async function runTrial(options: FailoverOptions, trial: number): Promise<{ trial: FailoverTrial; threshold: number }> {
  const redis = new Redis(options.redisUrl);
  const runId = `failover-${options.concurrency}-${trial}`;
  const serviceOptions: BenchServiceOptions = {
    redisUrl: options.redisUrl,
    keys: benchKeys(`bench.${runId}`),
    concurrency: options.concurrency,
    // Every failed attempt logs a warning, expected here by the hundred: errors only.
    env: { LOG_LEVEL: 'error' },
  };
  const config = benchConfig(serviceOptions);
  const threshold = config.policy.failureThreshold;
  const probe = instrumentedEngines(config.engineTimeoutMs, options.healthySignals, threshold);
  let service: RunningService | null = null;
  try {
    await fillStream(redis, serviceOptions.keys.signalQueue, runId, 0, options.signals, options.symbols);
    service = await startBenchService({ ...serviceOptions, engines: probe.engines });
    const running = service;
    const policy: { moved: Stamp | null } = { moved: null };
    running.policy.subscribe((snapshot) => {
      if (policy.moved === null && !snapshot.matches('primaryActive')) policy.moved = probe.stamp();
    });
    await waitUntil(`${options.signals} signals through the failover`, () => running.manager.stats().settled >= options.signals, options.timeoutMs);
    const trip = probe.trip();
    if (trip === null) throw new Error(`The primary never failed ${threshold} times; the failover trial measured nothing`);
    const moved = policy.moved;
    if (moved === null) throw new Error('The policy never left primaryActive although the primary tripped');
    const primaryCallsAfter = (moment: Stamp) => probe.calls.filter((call) => call.engine === PRIMARY_ENGINE && call.sequence > moment.sequence).length;
    const firstBackup = probe.calls.find((call) => call.engine === BACKUP_1 && call.sequence > trip.sequence);
    if (firstBackup === undefined) throw new Error('No signal reached backup 1 after the primary tripped');
    return {
      threshold,
      trial: {
        signalsToTrippedEngine: primaryCallsAfter(trip),
        signalsAfterPolicyMoved: primaryCallsAfter(moved),
        reactionMs: firstBackup.at - trip.at,
        policyMs: moved.at - trip.at,
      },
    };
  } finally {
    await service?.stop();
    redis.disconnect();
  }
}

/** Runs the failover trials one after another, each on a fresh service and fresh keys. */
export async function runFailover(options: FailoverOptions): Promise<FailoverResult> {
  const trials: FailoverTrial[] = [];
  let threshold = 0;
  for (let trial = 0; trial < options.trials; trial++) {
    const outcome = await runTrial(options, trial);
    threshold = outcome.threshold;
    trials.push(outcome.trial);
  }
  const reactions = trials.map((trial) => trial.reactionMs);
  return {
    trials,
    threshold,
    signalsToTrippedEngine: Math.max(...trials.map((trial) => trial.signalsToTrippedEngine)),
    reactionMsMedian: median(reactions),
    reactionMsMax: Math.max(...reactions),
    policyMsMedian: median(trials.map((trial) => trial.policyMs)),
  };
}
