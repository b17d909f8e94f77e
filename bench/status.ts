/**
 * Status under load: p50 and p99 of `GET /admin/execution-status` over real HTTP on 127.0.0.1
 * while the service pipeline (b) runs, from a client in its own process. The same client against
 * the idle service gives the reference: what HTTP and the handler cost without signals competing.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { freePort } from '../test/support/redisServer.js';
import { benchKeys, startBenchService } from './benchService.js';
import { forkBenchChild, hasType, type BenchChild } from './childProcess.js';
import { startCpuWaitWindow, type CpuWait } from './cpuWait.js';
import { runServicePipeline, type PipelineResult } from './servicePipeline.js';
import { percentile } from './timing.js';

/** What the status measurement runs with. */
export interface StatusOptions {
  readonly redisUrl: string;
  readonly runId: string;
  readonly signals: number;
  readonly symbols: number;
  readonly concurrency: number;
  /** At most this many requests under load (and a tenth of it idle). */
  readonly maxRequests: number;
  readonly timeoutMs: number;
}

/** Latencies of one series of requests, in ms. */
export interface LatencySummary {
  readonly requests: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** The status measurement. */
export interface StatusResult {
  readonly underLoad: LatencySummary;
  readonly idle: LatencySummary;
  /** The pipeline run the requests competed with: slower than (b) alone, since it shares the CPU. */
  readonly pipeline: PipelineResult;
  /** How late the service's event loop ran timers during that run (what a request waits behind), in ms. */
  readonly eventLoopDelay: { readonly p50: number; readonly p99: number; readonly max: number };
  /** How long the service's thread waited for a CPU during that run; null off Linux. */
  readonly cpuWait: CpuWait | null;
}

function isLatencies(message: unknown): message is { type: 'latencies'; latencies: number[] } {
  return hasType(message, 'latencies') && Array.isArray(message.latencies) && message.latencies.every((value) => typeof value === 'number');
}

function summarise(latencies: readonly number[]): LatencySummary {
  if (latencies.length === 0) throw new Error('The status client made no request; there is nothing to report');
  return { requests: latencies.length, p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: Math.max(...latencies) };
}

async function startClient(port: number, maxRequests: number, timeoutMs: number): Promise<BenchChild> {
  const client = forkBenchChild('statusClient.ts', [`http://127.0.0.1:${port}`, String(maxRequests), String(timeoutMs)]);
  try {
    await client.next('ready', (message): message is { type: 'ready' } => hasType(message, 'ready'), timeoutMs);
  } catch (error) {
    await client.stop();
    throw error;
  }
  return client;
}

async function collect(client: BenchChild, timeoutMs: number): Promise<number[]> {
  client.send({ type: 'stop' });
  return (await client.next('its latencies', isLatencies, timeoutMs)).latencies;
}

/** Runs the client against the service while `signals` go through it, then against it idle. */
export async function runStatus(options: StatusOptions): Promise<StatusResult> {
  const port = await freePort();
  const loaded = await startClient(port, options.maxRequests, options.timeoutMs);
  let underLoad: number[] = [];
  let pipeline: PipelineResult;
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  let cpuWindow: ReturnType<typeof startCpuWaitWindow> | null = null;
  let cpuWait: CpuWait | null = null;
  try {
    pipeline = await runServicePipeline({
      redisUrl: options.redisUrl,
      runId: options.runId,
      signals: options.signals,
      symbols: options.symbols,
      concurrency: options.concurrency,
      timeoutMs: options.timeoutMs,
      port,
      whileRunning: () => {
        loaded.send({ type: 'start' });
        loopDelay.enable();
        cpuWindow = startCpuWaitWindow();
      },
      // Stop the client while the service still answers: a request cut by its shutdown is no latency.
      whenDone: async () => {
        loopDelay.disable();
        cpuWait = cpuWindow?.stop() ?? null;
        underLoad = await collect(loaded, options.timeoutMs);
      },
    });
  } finally {
    loopDelay.disable();
    await loaded.stop();
  }
  const nsToMs = (ns: number) => ns / 1e6;
  const eventLoopDelay = { p50: nsToMs(loopDelay.percentile(50)), p99: nsToMs(loopDelay.percentile(99)), max: nsToMs(loopDelay.max) };

  const idlePort = await freePort();
  const idleRequests = Math.max(100, Math.round(options.maxRequests / 10));
  const service = await startBenchService({
    redisUrl: options.redisUrl,
    keys: benchKeys(`bench.${options.runId}.idle`),
    concurrency: options.concurrency,
    port: idlePort,
  });
  const idleClient = await startClient(idlePort, idleRequests, options.timeoutMs).catch(async (error: unknown) => {
    await service.stop();
    throw error;
  });
  let idle: number[];
  try {
    idleClient.send({ type: 'start' });
    // The client stops by itself after idleRequests; `stop` only ends it early if it hangs.
    idle = (await idleClient.next('its idle latencies', isLatencies, options.timeoutMs)).latencies;
  } finally {
    await idleClient.stop();
    await service.stop();
  }
  return { underLoad: summarise(underLoad), idle: summarise(idle), pipeline, eventLoopDelay, cpuWait };
}
