/** The steady-load latency phase of `npm run bench`: each contender at 1,000 and 5,000 signals/s. */
import type { Redis } from 'ioredis';
import { baselineLatency, peerLatency, serviceLatency, type LatencyOptions, type LatencyResult } from './latency.js';
import type { BenchSizes } from './options.js';
import { progress } from './progress.js';

/** The contenders of the latency phase, and what they are called in the plot. */
export const LATENCY_CONTENDERS = {
  baseline: { label: '(a) bare loop', colour: '#888', run: baselineLatency },
  service: { label: '(b) service', colour: '#1f77b4', run: serviceLatency },
  peer: { label: '(c) BullMQ + opossum', colour: '#d62728', run: peerLatency },
} as const;

export type LatencyContender = keyof typeof LATENCY_CONTENDERS;

export async function latency(sizes: BenchSizes, redisUrl: string, admin: Redis): Promise<Record<1000 | 5000, Record<LatencyContender, LatencyResult>>> {
  const results: Partial<Record<1000 | 5000, Record<LatencyContender, LatencyResult>>> = {};
  for (const rate of [1000, 5000] as const) {
    const byContender: Partial<Record<LatencyContender, LatencyResult>> = {};
    for (const contender of Object.keys(LATENCY_CONTENDERS) as LatencyContender[]) {
      await admin.flushall();
      const options: LatencyOptions = {
        redisUrl,
        runId: `latency-${contender}-${rate}`,
        rate,
        durationMs: sizes.latencyDurationMs,
        warmUpMs: sizes.latencyWarmUpMs,
        symbols: sizes.symbols,
        concurrency: sizes.concurrency,
        timeoutMs: sizes.phaseTimeoutMs,
      };
      const result = await LATENCY_CONTENDERS[contender].run(options);
      byContender[contender] = result;
      progress(
        `${LATENCY_CONTENDERS[contender].label} at ${rate}/s: to the engine p50 ${result.toEngine.p50.toFixed(2)} ms, p99 ${result.toEngine.p99.toFixed(2)} ms; to the outcome p99 ${result.toOutcome.p99.toFixed(2)} ms`,
      );
    }
    const { baseline, service, peer } = byContender;
    if (baseline === undefined || service === undefined || peer === undefined) throw new Error('A latency contender did not run');
    results[rate] = { baseline, service, peer };
  }
  const { 1000: at1k, 5000: at5k } = results;
  if (at1k === undefined || at5k === undefined) throw new Error('A latency rate did not run');
  return { 1000: at1k, 5000: at5k };
}

/** The latency rows of results.json: p50, p99 and p99.9 of both measures, per contender and rate. */
export function latencyTable(latencies: Record<1000 | 5000, Record<LatencyContender, LatencyResult>>, replicated1k: LatencyResult) {
  const row = (contender: string, rate: number, result: LatencyResult) => ({
    contender,
    rate,
    to_engine_ms: { p50: result.toEngine.p50, p99: result.toEngine.p99, p999: result.toEngine.p999 },
    to_outcome_ms: { p50: result.toOutcome.p50, p99: result.toOutcome.p99, p999: result.toOutcome.p999 },
    samples: result.toEngine.count,
    // Null where the scheduler's statistics cannot be read (bench/cpuWait.ts).
    cpu_wait_pct: result.cpuWait?.waitPct ?? null,
    cpu_wait_per_run_us: result.cpuWait?.waitPerRunUs ?? null,
  });
  return [
    ...([1000, 5000] as const).flatMap((rate) =>
      (Object.keys(LATENCY_CONTENDERS) as LatencyContender[]).map((contender) => row(LATENCY_CONTENDERS[contender].label, rate, latencies[rate][contender])),
    ),
    row('(b) service, REDIS_MIN_REPLICAS=1', 1000, replicated1k),
  ];
}
