/**
 * What `REDIS_MIN_REPLICAS=1` costs: the service pipeline with and without a local replica
 * confirming every attempt record (WAIT) before its order goes out, in the same run, against the
 * same primary with a replica attached. Throughput at the default concurrency, and the time one
 * signal takes when signals go one at a time (one symbol, concurrency 1): the added latency.
 */
import type { Redis } from 'ioredis';
import { startPrivateRedis, type PrivateRedis } from '../test/support/redisServer.js';
import { serviceLatency, type LatencyResult } from './latency.js';
import { runServicePipeline } from './servicePipeline.js';
import { median } from './timing.js';

/** What the phase is run with. */
export interface ReplicationOptions {
  /** The primary: the benchmark's private redis-server. */
  readonly primaryUrl: string;
  readonly primaryPort: number;
  readonly admin: Redis;
  readonly signals: number;
  /** Signals of the one-at-a-time runs. */
  readonly serialSignals: number;
  readonly symbols: number;
  readonly concurrency: number;
  readonly trials: number;
  readonly timeoutMs: number;
  /** How long the 1,000/s latency run with REDIS_MIN_REPLICAS=1 offers signals. */
  readonly latencyDurationMs: number;
  readonly latencyWarmUpMs: number;
  readonly progress: (text: string) => void;
}

/** The phase's measurements: medians over the trials. */
export interface ReplicationResult {
  readonly plainSignalsPerSecond: number;
  readonly replicatedSignalsPerSecond: number;
  /** Milliseconds per signal, one at a time, without and with the replica's confirmation. */
  readonly plainMsPerSignal: number;
  readonly replicatedMsPerSignal: number;
  /** The service at 1,000 signals/s with REDIS_MIN_REPLICAS=1. */
  readonly latency1k: LatencyResult;
}

const REPLICATED = { REDIS_MIN_REPLICAS: '1', REDIS_WAIT_TIMEOUT_MS: '500' };

async function inSync(admin: Redis): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    await admin.set('bench.replication.probe', String(Date.now()));
    if ((await admin.wait(1, 500)) >= 1) return;
    if (Date.now() > deadline) throw new Error('The benchmark replica did not confirm a write within 10 s');
  }
}

/** Runs the phase with a replica started for it and stopped after. */
export async function runReplication(options: ReplicationOptions): Promise<ReplicationResult> {
  let replica: PrivateRedis | null = null;
  try {
    replica = await startPrivateRedis({ replicaOf: options.primaryPort });
    await inSync(options.admin);
    const throughput = { plain: [] as number[], replicated: [] as number[] };
    const serial = { plain: [] as number[], replicated: [] as number[] };
    for (let trial = 1; trial <= options.trials; trial++) {
      for (const [name, env] of [
        ['plain', {}],
        ['replicated', REPLICATED],
      ] as const) {
        await options.admin.flushall();
        const run = await runServicePipeline({
          redisUrl: options.primaryUrl,
          runId: `replication-${name}-${trial}`,
          signals: options.signals,
          symbols: options.symbols,
          concurrency: options.concurrency,
          timeoutMs: options.timeoutMs,
          env,
        });
        throughput[name].push(run.signalsPerSecond);
        await options.admin.flushall();
        const oneByOne = await runServicePipeline({
          redisUrl: options.primaryUrl,
          runId: `replication-serial-${name}-${trial}`,
          signals: options.serialSignals,
          symbols: 1,
          concurrency: 1,
          timeoutMs: options.timeoutMs,
          env,
        });
        serial[name].push(oneByOne.ms / options.serialSignals);
        options.progress(
          `${name === 'plain' ? 'REDIS_MIN_REPLICAS=0' : 'REDIS_MIN_REPLICAS=1'}, trial ${trial}/${options.trials}: ${Math.round(run.signalsPerSecond)}/s; one at a time ${(oneByOne.ms / options.serialSignals).toFixed(3)} ms/signal`,
        );
      }
    }
    await options.admin.flushall();
    const latency1k = await serviceLatency({
      redisUrl: options.primaryUrl,
      runId: 'latency-replicated-1k',
      rate: 1000,
      durationMs: options.latencyDurationMs,
      warmUpMs: options.latencyWarmUpMs,
      symbols: options.symbols,
      concurrency: options.concurrency,
      timeoutMs: options.timeoutMs,
      env: REPLICATED,
    });
    options.progress(`REDIS_MIN_REPLICAS=1 at 1,000/s: to the engine p99 ${latency1k.toEngine.p99.toFixed(2)} ms`);
    return {
      latency1k,
      plainSignalsPerSecond: median(throughput.plain),
      replicatedSignalsPerSecond: median(throughput.replicated),
      plainMsPerSignal: median(serial.plain),
      replicatedMsPerSignal: median(serial.replicated),
    };
  } finally {
    await replica?.stop();
  }
}
