/**
 * What a trader feels first: how long a signal takes from its producer's `XADD` to the engine, and
 * to its outcome, at a steady offered load. A load generator in a process of its own
 * (bench/latencyLoad.ts) sends at `rate` per second for `warmUpMs` unmeasured, then `durationMs`, stamping each signal just
 * before its send; the contender stamps the moment the engine call starts (i) and the moment its
 * outcome is recorded (ii). Stamps are of the machine's monotonic clock, which both processes share.
 *
 * - (a) the bare loop: "engine" = the entry read by XREADGROUP BLOCK, outcome = the XACK of its read answered;
 * - (b) the service: an instrumented `sim://` engine of 0 ms, outcome = the entry on
 *   `execution.events`, read by the load generator;
 * - (c) BullMQ + opossum: the processor called, outcome = the worker's `completed` event.
 */
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import CircuitBreaker from 'opossum';
import { perEngine, type EngineId } from '../machines/engines.js';
import { createEngine } from '../src/engines/createEngine.js';
import type { EngineCall, ExecutionEngine } from '../src/engines/types.js';
import type { RunningService } from '../src/service/service.js';
import type { Signal } from '../src/signals/signal.js';
import { benchKeys, INSTANT_SIM_URL, startBenchService } from './benchService.js';
import { forkBenchChild } from './childProcess.js';
import { startCpuWaitWindow, type CpuWait } from './cpuWait.js';
import { isLoadResult, sharedClockMs, signalCount, signalIndexOf, type LoadConfig, type LoadTarget } from './latencyProtocol.js';
import { percentile, waitUntil } from './timing.js';

/** Percentiles of one latency, in milliseconds. */
export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  /** Every sample, sorted, for the plot. */
  readonly samples: readonly number[];
}

/** One contender at one rate: (i) send → engine, (ii) send → outcome recorded. */
export interface LatencyResult {
  readonly toEngine: LatencySummary;
  readonly toOutcome: LatencySummary;
  /** How long the contender's thread waited for a CPU while the load was offered; null off Linux. */
  readonly cpuWait: CpuWait | null;
}

/** What one run is given. */
export interface LatencyOptions {
  readonly redisUrl: string;
  readonly runId: string;
  /** Signals per second offered. */
  readonly rate: number;
  readonly durationMs: number;
  /** Unmeasured load offered first (bench/latencyProtocol.ts). */
  readonly warmUpMs: number;
  readonly symbols: number;
  readonly concurrency: number;
  readonly timeoutMs: number;
  /** Further variables for the service (REDIS_MIN_REPLICAS). */
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * The contender's stamps of one run, by signal index: preallocated, so that stamping allocates
 * nothing in the process being measured. NaN where a signal has none (yet).
 */
class Stamps {
  readonly atEngine: Float64Array;
  readonly recorded: Float64Array;
  #recordedCount = 0;

  constructor(readonly count: number) {
    this.atEngine = new Float64Array(count).fill(Number.NaN);
    this.recorded = new Float64Array(count).fill(Number.NaN);
  }

  reachedEngine(signalId: string): void {
    const index = signalIndexOf(signalId);
    if (index >= 0 && index < this.count && Number.isNaN(this.atEngine[index])) this.atEngine[index] = sharedClockMs();
  }

  wasRecorded(signalId: string): void {
    const index = signalIndexOf(signalId);
    if (index < 0 || index >= this.count || !Number.isNaN(this.recorded[index])) return;
    this.recorded[index] = sharedClockMs();
    this.#recordedCount++;
  }

  get recordedCount(): number {
    return this.#recordedCount;
  }
}

function summarise(sent: readonly (number | null)[], reached: ArrayLike<number | null>): LatencySummary {
  const samples: number[] = [];
  sent.forEach((from, index) => {
    const at = reached[index];
    if (from !== null && at !== null && at !== undefined && !Number.isNaN(at)) samples.push(at - from);
  });
  samples.sort((a, b) => a - b);
  return { count: samples.length, p50: percentile(samples, 50), p99: percentile(samples, 99), p999: percentile(samples, 99.9), samples };
}

/**
 * Runs the load generator against `target` and answers its stamps: the send times, and the
 * outcome times it read itself when `eventsStream` is given.
 */
async function offerLoad(
  options: LatencyOptions,
  target: LoadTarget,
  eventsStream?: string,
): Promise<{ sent: readonly (number | null)[]; recorded: readonly (number | null)[] | null; cpuWait: CpuWait | null }> {
  const config: LoadConfig = {
    redisUrl: options.redisUrl,
    target,
    runId: options.runId,
    rate: options.rate,
    durationMs: options.durationMs,
    warmUpMs: options.warmUpMs,
    symbols: options.symbols,
    timeoutMs: options.timeoutMs,
    ...(eventsStream === undefined ? {} : { eventsStream }),
  };
  const child = forkBenchChild('latencyLoad.ts', [JSON.stringify(config)]);
  const window = startCpuWaitWindow();
  try {
    const { sent, recorded } = await child.next('its stamps', isLoadResult, options.warmUpMs + options.durationMs + 2 * options.timeoutMs);
    return { sent, recorded, cpuWait: window.stop() };
  } finally {
    await child.stop();
  }
}

/** (a) The bare loop under the offered load. */
export async function baselineLatency(options: LatencyOptions): Promise<LatencyResult> {
  // No auto-pipelining: in ioredis 6 it kept about 3 MB of young objects alive across each
  // scavenge of this loop at 1,000/s (10 ms pauses, against 1 ms without), so the limit's own tail
  // was its collector's. One XACK carries a read's ids instead.
  const consumer = new Redis(options.redisUrl);
  const stream = `bench.latency.${options.runId}`;
  const group = 'bench.latency.group';
  const stamps = new Stamps(signalCount(options));
  let running = true;
  try {
    await consumer.xgroup('CREATE', stream, group, '$', 'MKSTREAM');
    const loop = (async () => {
      while (running) {
        const reply = await consumer.xreadgroup('GROUP', group, 'latency', 'COUNT', 100, 'BLOCK', 100, 'STREAMS', stream, '>');
        const entries = reply?.[0]?.[1] ?? [];
        if (entries.length === 0) continue;
        for (const [, fields] of entries) stamps.reachedEngine(String(fields?.[1] ?? ''));
        await consumer.xack(stream, group, ...entries.map(([id]) => id));
        for (const [, fields] of entries) stamps.wasRecorded(String(fields?.[1] ?? ''));
      }
    })();
    const { sent, cpuWait } = await offerLoad(options, { kind: 'stream', key: stream, field: 'id' });
    await waitUntil('the bare loop to acknowledge every offered signal', () => stamps.recordedCount >= stamps.count, options.timeoutMs);
    running = false;
    await loop;
    return { toEngine: summarise(sent, stamps.atEngine), toOutcome: summarise(sent, stamps.recorded), cpuWait };
  } finally {
    running = false;
    consumer.disconnect();
  }
}

/** Fills each simulated engine remembers, for repeats and lookups. */
const ENGINE_REMEMBERS = 1000;

/** `sim://` engines answering at once, stamping when each order reaches them. */
function stampingEngines(stamps: Stamps): Record<EngineId, ExecutionEngine> {
  return perEngine((id): ExecutionEngine => {
    // What the engine remembers is the bridge's memory in production, another process (as in
    // bench/memoryChild.ts): kept small, so that it does not weigh on this process's collector.
    const inner = createEngine(id, INSTANT_SIM_URL, { timeoutMs: 5000, sim: { rememberLimit: ENGINE_REMEMBERS } });
    return {
      id,
      url: inner.url,
      execute: (signal: Signal, call: EngineCall) => {
        stamps.reachedEngine(signal.signal_id);
        return inner.execute(signal, call);
      },
      health: (call) => inner.health(call),
      lookup: (signalId, call) => inner.lookup(signalId, call),
    };
  });
}

/** One run of the service under the offered load, by signal index: sent, at the engine, recorded. */
export interface ServiceLoadStamps {
  readonly sent: readonly (number | null)[];
  /** NaN where a signal never reached the engine. */
  readonly atEngine: Float64Array;
  readonly recorded: readonly (number | null)[];
  readonly cpuWait: CpuWait | null;
}

/** (b) The service under the offered load, each signal's stamps as taken (bench/tail.ts reads them). */
export async function serviceUnderLoad(options: LatencyOptions): Promise<ServiceLoadStamps> {
  const keys = benchKeys(`bench.latency.${options.runId}`);
  const stamps = new Stamps(signalCount(options));
  let service: RunningService | null = null;
  try {
    service = await startBenchService({
      redisUrl: options.redisUrl,
      keys,
      concurrency: options.concurrency,
      engines: stampingEngines(stamps),
      ...(options.env ? { env: options.env } : {}),
    });
    const { sent, recorded, cpuWait } = await offerLoad(options, { kind: 'stream', key: keys.signalQueue, field: 'signal' }, keys.executionEvents);
    return { sent, atEngine: stamps.atEngine, recorded: recorded ?? [], cpuWait };
  } finally {
    await service?.stop();
  }
}

/** (b) The service under the offered load. */
export async function serviceLatency(options: LatencyOptions): Promise<LatencyResult> {
  const { sent, atEngine, recorded, cpuWait } = await serviceUnderLoad(options);
  return { toEngine: summarise(sent, atEngine), toOutcome: summarise(sent, recorded), cpuWait };
}

/** (c) BullMQ with an opossum breaker under the offered load. */
export async function peerLatency(options: LatencyOptions): Promise<LatencyResult> {
  const url = new URL(options.redisUrl);
  const connection = { host: url.hostname, port: Number(url.port), maxRetriesPerRequest: null };
  const name = `bench-latency-${options.runId}`;
  const stamps = new Stamps(signalCount(options));
  const breaker = new CircuitBreaker(async (data: Record<string, unknown>) => ({ status: 'filled', signal_id: data.signal_id }), {
    timeout: 5000,
    errorThresholdPercentage: 50,
    resetTimeout: 300_000,
  });
  const worker = new Worker<Record<string, unknown>>(
    name,
    (job) => {
      stamps.reachedEngine(String(job.data.signal_id));
      return breaker.fire(job.data);
    },
    { connection, concurrency: options.concurrency },
  );
  worker.on('completed', (job) => stamps.wasRecorded(String(job.data.signal_id)));
  try {
    await worker.waitUntilReady();
    const { sent, cpuWait } = await offerLoad(options, { kind: 'bullmq', name });
    await waitUntil('every offered job completed', () => stamps.recordedCount >= stamps.count, options.timeoutMs);
    return { toEngine: summarise(sent, stamps.atEngine), toOutcome: summarise(sent, stamps.recorded), cpuWait };
  } finally {
    await worker.close();
    breaker.shutdown();
    // What the run left in Redis goes with the FLUSHALL before the next run (bench/latencyPhase.ts).
  }
}
