/**
 * (a) The limit: a bare ioredis consumer that moves the signals through a stream and a consumer
 * group with no logic at all. Each round trip acknowledges the previous batch (pipelined XACKs)
 * and reads the next (XREADGROUP COUNT batch), so the loop costs one round trip per batch.
 */
import { Redis } from 'ioredis';
import { fillStream } from './signals.js';
import type { Meter, RunCost } from './meter.js';
import { nowMs, perSecond } from './timing.js';

/** What the baseline is run with. */
export interface BaselineOptions {
  readonly redisUrl: string;
  readonly signals: number;
  readonly symbols: number;
  /** XREADGROUP COUNT. */
  readonly batch: number;
  readonly timeoutMs: number;
  /** Measures the cost of the timed window. */
  readonly meter?: Meter;
}

/** The baseline's measurement. */
export interface BaselineResult {
  readonly signals: number;
  readonly ms: number;
  readonly signalsPerSecond: number;
  /** Present when a meter was given. */
  readonly cost?: RunCost;
}

/** Pre-fills a stream with `signals` entries, then times reading and acknowledging them all. */
export async function runBaseline(options: BaselineOptions): Promise<BaselineResult> {
  const redis = new Redis(options.redisUrl, { enableAutoPipelining: true });
  const stream = 'bench.baseline.signals';
  const group = 'bench.baseline.group';
  try {
    await fillStream(redis, stream, 'baseline', 0, options.signals, options.symbols);
    await redis.xgroup('CREATE', stream, group, 0);
    await options.meter?.begin();
    const started = nowMs();
    const deadline = started + options.timeoutMs;
    let moved = 0;
    let unacked: string[] = [];
    while (moved < options.signals) {
      if (nowMs() > deadline) throw new Error(`The baseline moved only ${moved} of ${options.signals} signals in ${options.timeoutMs} ms`);
      // Auto-pipelining sends the XACKs and the next read in one write: one round trip per batch.
      const [reply] = await Promise.all([
        redis.xreadgroup('GROUP', group, 'baseline', 'COUNT', options.batch, 'STREAMS', stream, '>'),
        ...unacked.map((id) => redis.xack(stream, group, id)),
      ]);
      const entries = reply?.[0]?.[1] ?? [];
      if (entries.length === 0) throw new Error(`The baseline stream ran dry after ${moved} of ${options.signals} signals`);
      unacked = entries.map(([id]) => id);
      moved += entries.length;
    }
    // The last batch is acknowledged inside the timed window too.
    await Promise.all(unacked.map((id) => redis.xack(stream, group, id)));
    const ms = nowMs() - started;
    const cost = await options.meter?.end(options.signals);
    return { signals: moved, ms, signalsPerSecond: perSecond(moved, ms), ...(cost ? { cost } : {}) };
  } finally {
    redis.disconnect();
  }
}
