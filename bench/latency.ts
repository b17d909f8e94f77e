/**
 * What a trader feels first: how long a signal takes from its producer's `XADD` to the engine, and
 * to its outcome, at a steady offered load. A producer in this process sends at `rate` per second
 * for `durationMs`, stamping each signal (`performance.now()`) just before its send; the contender
 * stamps the moment the engine call starts (i) and the moment its outcome is recorded (ii).
 *
 * - (a) the bare loop: "engine" = the entry read by XREADGROUP BLOCK, outcome = its XACK answered;
 * - (b) the service: an instrumented `sim://` engine of 0 ms, outcome = the entry on
 *   `execution.events` read by a blocking reader of its own;
 * - (c) BullMQ + opossum: the processor called, outcome = the worker's `completed` event.
 */
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import CircuitBreaker from 'opossum';
import { perEngine, type EngineId } from '../machines/engines.js';
import { createEngine } from '../src/engines/createEngine.js';
import type { EngineCall, ExecutionEngine } from '../src/engines/types.js';
import type { RunningService } from '../src/service/service.js';
import type { Signal } from '../src/signals/signal.js';
import { benchKeys, INSTANT_SIM_URL, startBenchService } from './benchService.js';
import { benchSignal } from './signals.js';
import { nowMs, percentile, waitUntil } from './timing.js';

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
}

/** What one run is given. */
export interface LatencyOptions {
  readonly redisUrl: string;
  readonly runId: string;
  /** Signals per second offered. */
  readonly rate: number;
  readonly durationMs: number;
  readonly symbols: number;
  readonly concurrency: number;
  readonly timeoutMs: number;
  /** Further variables for the service (REDIS_MIN_REPLICAS). */
  readonly env?: Readonly<Record<string, string>>;
}

/** The stamps of one run, by signal id. */
class Stamps {
  readonly sent = new Map<string, number>();
  readonly atEngine = new Map<string, number>();
  readonly recorded = new Map<string, number>();

  summary(): LatencyResult {
    return { toEngine: summarise(this.sent, this.atEngine), toOutcome: summarise(this.sent, this.recorded) };
  }
}

function summarise(sent: ReadonlyMap<string, number>, reached: ReadonlyMap<string, number>): LatencySummary {
  const samples: number[] = [];
  for (const [id, at] of reached) {
    const from = sent.get(id);
    if (from !== undefined) samples.push(at - from);
  }
  samples.sort((a, b) => a - b);
  return { count: samples.length, p50: percentile(samples, 50), p99: percentile(samples, 99), p999: percentile(samples, 99.9), samples };
}

/**
 * Sends `count` signals at `rate` per second: on each tick, as many as are due by then, so that a
 * slow tick is caught up rather than lowering the load. `send` stamps and sends one.
 */
async function offer(rate: number, durationMs: number, send: (index: number) => Promise<unknown>): Promise<number> {
  const count = Math.round((rate * durationMs) / 1000);
  const started = nowMs();
  const inFlight: Promise<unknown>[] = [];
  let next = 0;
  while (next < count) {
    const due = Math.min(count, Math.floor(((nowMs() - started) * rate) / 1000) + 1);
    for (; next < due; next++) inFlight.push(send(next));
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(inFlight);
  return count;
}

/** (a) The bare loop under the offered load. */
export async function baselineLatency(options: LatencyOptions): Promise<LatencyResult> {
  const producer = new Redis(options.redisUrl, { enableAutoPipelining: true });
  const consumer = new Redis(options.redisUrl, { enableAutoPipelining: true });
  const stream = `bench.latency.${options.runId}`;
  const group = 'bench.latency.group';
  const stamps = new Stamps();
  let running = true;
  try {
    await producer.xgroup('CREATE', stream, group, '$', 'MKSTREAM');
    const loop = (async () => {
      while (running) {
        const reply = await consumer.xreadgroup('GROUP', group, 'latency', 'COUNT', 100, 'BLOCK', 100, 'STREAMS', stream, '>');
        const entries = reply?.[0]?.[1] ?? [];
        const at = nowMs();
        for (const [, fields] of entries) stamps.atEngine.set(String(fields?.[1] ?? ''), at);
        await Promise.all(
          entries.map(async ([id, fields]) => {
            await consumer.xack(stream, group, id);
            stamps.recorded.set(String(fields?.[1] ?? ''), nowMs());
          }),
        );
      }
    })();
    const count = await offer(options.rate, options.durationMs, (index) => {
      const id = `${options.runId}-${index}`;
      stamps.sent.set(id, nowMs());
      return producer.xadd(stream, '*', 'id', id);
    });
    await waitUntil('the bare loop to acknowledge every offered signal', () => stamps.recorded.size >= count, options.timeoutMs);
    running = false;
    await loop;
    return stamps.summary();
  } finally {
    running = false;
    producer.disconnect();
    consumer.disconnect();
  }
}

/** `sim://` engines answering at once, stamping when each order reaches them. */
function stampingEngines(stamps: Stamps): Record<EngineId, ExecutionEngine> {
  return perEngine((id): ExecutionEngine => {
    const inner = createEngine(id, INSTANT_SIM_URL, { timeoutMs: 5000 });
    return {
      id,
      url: inner.url,
      execute: (signal: Signal, call: EngineCall) => {
        stamps.atEngine.set(signal.signal_id, nowMs());
        return inner.execute(signal, call);
      },
      health: (call) => inner.health(call),
      lookup: (signalId, call) => inner.lookup(signalId, call),
    };
  });
}

/** (b) The service under the offered load. */
export async function serviceLatency(options: LatencyOptions): Promise<LatencyResult> {
  const producer = new Redis(options.redisUrl, { enableAutoPipelining: true });
  const reader = new Redis(options.redisUrl);
  const keys = benchKeys(`bench.latency.${options.runId}`);
  const stamps = new Stamps();
  let service: RunningService | null = null;
  let reading = true;
  try {
    service = await startBenchService({
      redisUrl: options.redisUrl,
      keys,
      concurrency: options.concurrency,
      engines: stampingEngines(stamps),
      ...(options.env ? { env: options.env } : {}),
    });
    const readLoop = (async () => {
      let after = '$';
      while (reading) {
        const reply = await reader.xread('COUNT', 1000, 'BLOCK', 100, 'STREAMS', keys.executionEvents, after);
        const entries = reply?.[0]?.[1] ?? [];
        const at = nowMs();
        for (const [id, fields] of entries) {
          after = id;
          const index = fields.indexOf('signal_id');
          if (index !== -1) stamps.recorded.set(fields[index + 1] ?? '', at);
        }
      }
    })();
    const count = await offer(options.rate, options.durationMs, (index) => {
      const signal = benchSignal(options.runId, index, options.symbols);
      stamps.sent.set(String(signal.signal_id), nowMs());
      return producer.xadd(keys.signalQueue, '*', 'signal', JSON.stringify(signal));
    });
    await waitUntil('every offered signal recorded', () => stamps.recorded.size >= count, options.timeoutMs);
    reading = false;
    await readLoop;
    return stamps.summary();
  } finally {
    reading = false;
    await service?.stop();
    producer.disconnect();
    reader.disconnect();
  }
}

/** (c) BullMQ with an opossum breaker under the offered load. */
export async function peerLatency(options: LatencyOptions): Promise<LatencyResult> {
  const url = new URL(options.redisUrl);
  const connection = { host: url.hostname, port: Number(url.port), maxRetriesPerRequest: null };
  const name = `bench-latency-${options.runId}`;
  const queue = new Queue<Record<string, unknown>>(name, { connection });
  const stamps = new Stamps();
  const breaker = new CircuitBreaker(async (data: Record<string, unknown>) => ({ status: 'filled', signal_id: data.signal_id }), {
    timeout: 5000,
    errorThresholdPercentage: 50,
    resetTimeout: 300_000,
  });
  const worker = new Worker<Record<string, unknown>>(
    name,
    (job) => {
      stamps.atEngine.set(String(job.data.signal_id), nowMs());
      return breaker.fire(job.data);
    },
    { connection, concurrency: options.concurrency },
  );
  worker.on('completed', (job) => stamps.recorded.set(String(job.data.signal_id), nowMs()));
  try {
    await worker.waitUntilReady();
    const count = await offer(options.rate, options.durationMs, (index) => {
      const data = benchSignal(options.runId, index, options.symbols);
      stamps.sent.set(String(data.signal_id), nowMs());
      return queue.add('signal', data, { jobId: String(data.signal_id) });
    });
    await waitUntil('every offered job completed', () => stamps.recorded.size >= count, options.timeoutMs);
    return stamps.summary();
  } finally {
    await worker.close();
    breaker.shutdown();
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
  }
}
