/** The throughput phase of `npm run bench`: every contender in interleaved trials, on one Redis. */
import type { Redis } from 'ioredis';
import { runBaseline } from './baseline.js';
import type { Meter, RunCost } from './meter.js';
import type { BenchSizes } from './options.js';
import { runPeer } from './peer.js';
import { progress, rate } from './progress.js';
import { runRecordingBaseline } from './recordingBaseline.js';
import { runServicePipeline } from './servicePipeline.js';

/** One timed run of a contender: its signals/s and what it cost. */
export interface Trial {
  readonly signalsPerSecond: number;
  readonly cost?: RunCost;
}

/** The contenders of the throughput comparison, keyed as in results.json. */
export type Contender = 'baseline' | 'recording_baseline' | 'service' | 'peer' | 'service_high' | 'peer_high';

/** In the order they run within a trial. */
export const CONTENDERS: readonly Contender[] = ['baseline', 'recording_baseline', 'service', 'peer', 'service_high', 'peer_high'];

export const CONTENDER_NAMES: Record<Contender, string> = {
  baseline: '(a) baseline',
  recording_baseline: "(a′) baseline + the contract's records",
  service: '(b) service',
  peer: '(c) BullMQ + opossum',
  service_high: '(b) service, high concurrency',
  peer_high: '(c) BullMQ + opossum, high concurrency',
};

export async function throughput(sizes: BenchSizes, redisUrl: string, admin: Redis, meter: Meter): Promise<Record<Contender, Trial[]>> {
  const common = { redisUrl, symbols: sizes.symbols, timeoutMs: sizes.phaseTimeoutMs };
  const run = (contender: Contender, signals: number, runId: string, withMeter: Meter | undefined): Promise<Trial> => {
    const metered = withMeter ? { meter: withMeter } : {};
    switch (contender) {
      case 'baseline':
        return runBaseline({ ...common, ...metered, signals, batch: sizes.baselineBatch });
      case 'recording_baseline':
        return runRecordingBaseline({ ...common, ...metered, signals, batch: sizes.baselineBatch });
      case 'service':
        return runServicePipeline({ ...common, ...metered, signals, runId, concurrency: sizes.concurrency });
      case 'service_high':
        return runServicePipeline({ ...common, ...metered, signals, runId, concurrency: sizes.highConcurrency });
      case 'peer':
        return runPeer({ ...common, ...metered, signals, runId, concurrency: sizes.concurrency });
      case 'peer_high':
        return runPeer({ ...common, ...metered, signals, runId, concurrency: sizes.highConcurrency });
    }
  };
  const trials: Record<Contender, Trial[]> = { baseline: [], recording_baseline: [], service: [], peer: [], service_high: [], peer_high: [] };
  for (const contender of CONTENDERS) {
    await admin.flushall();
    await run(contender, sizes.warmUpSignals, `warm-${contender}`, undefined);
  }
  // Trials interleave the contenders, so a slow spell of the machine does not land on one of them.
  for (let trial = 1; trial <= sizes.trials; trial++) {
    for (const contender of CONTENDERS) {
      await admin.flushall();
      const result = await run(contender, sizes.signals, `${contender}-${trial}`, meter);
      trials[contender].push(result);
      progress(`${CONTENDER_NAMES[contender]}, trial ${trial}/${sizes.trials}: ${rate(result.signalsPerSecond)}`);
    }
  }
  return trials;
}

/** The median trial of a contender, the one results.json reports. */
export function medianTrial(trials: readonly Trial[]): Trial {
  const sorted = [...trials].sort((a, b) => a.signalsPerSecond - b.signalsPerSecond);
  const middle = sorted[Math.floor((sorted.length - 1) / 2)];
  if (middle === undefined) throw new Error('A contender has no trial');
  return middle;
}
