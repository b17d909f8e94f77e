/**
 * (b) The service pipeline: the real consumer, validation, dedup, policy actor, outcome recording
 * and acknowledgement, with `sim://` engines of 0 ms latency. The stream is filled first; the clock
 * runs from `startService` to the last outcome recorded, so start-up counts against the service.
 */
import { Redis } from 'ioredis';
import type { RunningService } from '../src/service/service.js';
import { benchKeys, startBenchService, type BenchKeys } from './benchService.js';
import { fillStream } from './signals.js';
import type { Meter, RunCost } from './meter.js';
import { nowMs, perSecond, waitUntil } from './timing.js';

/** What a pipeline run is started with. */
export interface PipelineOptions {
  readonly redisUrl: string;
  /** Key prefix and signal id prefix of this run. */
  readonly runId: string;
  readonly signals: number;
  readonly symbols: number;
  readonly concurrency: number;
  readonly timeoutMs: number;
  /** Measures the cost of the timed window. */
  readonly meter?: Meter;
  /** Listen on this port (for the status measurement). */
  readonly port?: number;
  /** Called once the service runs, before the clock stops; the status client starts here. */
  readonly whileRunning?: (service: RunningService) => void;
  /** Called once every signal is through, before the service stops: the status client stops here. */
  readonly whenDone?: () => Promise<void>;
  /** Further variables for the service (REDIS_MIN_REPLICAS). */
  readonly env?: Readonly<Record<string, string>>;
}

/** A pipeline run's measurement. */
export interface PipelineResult {
  readonly signals: number;
  readonly concurrency: number;
  readonly ms: number;
  readonly signalsPerSecond: number;
  /** Present when a meter was given. */
  readonly cost?: RunCost;
}

/** Checks that every signal ended `executed` on the events stream and none was dead-lettered. */
async function checkOutcomes(redis: Redis, keys: BenchKeys, signals: number): Promise<void> {
  const [events, dead] = await Promise.all([redis.xlen(keys.executionEvents), redis.xlen(keys.deadLetterQueue)]);
  if (events !== signals || dead !== 0) {
    throw new Error(`The service run recorded ${events} events and ${dead} dead letters for ${signals} signals; the measurement is void`);
  }
}

/** Runs `signals` signals through the real service and times them. */
export async function runServicePipeline(options: PipelineOptions): Promise<PipelineResult> {
  const redis = new Redis(options.redisUrl);
  const keys = benchKeys(`bench.${options.runId}`);
  let service: RunningService | null = null;
  try {
    await fillStream(redis, keys.signalQueue, options.runId, 0, options.signals, options.symbols);
    await options.meter?.begin();
    const started = nowMs();
    service = await startBenchService({
      redisUrl: options.redisUrl,
      keys,
      concurrency: options.concurrency,
      ...(options.port === undefined ? {} : { port: options.port }),
      ...(options.env === undefined ? {} : { env: options.env }),
    });
    const running = service;
    options.whileRunning?.(running);
    const finished = await waitUntil(
      `${options.signals} signals through the service`,
      () => running.manager.stats().settled >= options.signals,
      options.timeoutMs,
    );
    const ms = finished - started;
    const cost = await options.meter?.end(options.signals);
    await options.whenDone?.();
    await checkOutcomes(redis, keys, options.signals);
    return { signals: options.signals, concurrency: options.concurrency, ms, signalsPerSecond: perSecond(options.signals, ms), ...(cost ? { cost } : {}) };
  } finally {
    await service?.stop();
    redis.disconnect();
  }
}
