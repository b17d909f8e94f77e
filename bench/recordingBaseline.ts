/**
 * (a′) The limit of this design: a bare ioredis loop that does, per signal, the Redis work the
 * contract asks of the service, with the service's own scripts (`beginAttempt.lua`: lease and
 * entry checks, dedup look-up, attempt record; `settleSignal.lua`: the checks again, outcome entry,
 * dedup record, attempt removal, acknowledgement) called with the service's own arguments
 * (`recordCalls.ts`), with no other logic and batched as the service batches: per read batch one
 * script call before "dispatch" and one after, the next read riding along.
 * The gap between (a′) and (b) is what the service's own structure costs; the gap between (a) and
 * (a′) is what the contract's records cost.
 */
import { Redis } from 'ioredis';
import { withScripts } from '../src/redis/commands.js';
import { beginAttemptCall, settleSignalCall, type RecordScope } from '../src/signals/recordCalls.js';
import type { Meter, RunCost } from './meter.js';
import { fillStream } from './signals.js';
import { nowMs, perSecond } from './timing.js';

/** What the recording baseline is run with. */
export interface RecordingBaselineOptions {
  readonly redisUrl: string;
  readonly signals: number;
  readonly symbols: number;
  /** XREADGROUP COUNT. */
  readonly batch: number;
  readonly timeoutMs: number;
  /** Measures the cost of the timed window. */
  readonly meter?: Meter;
}

/** The recording baseline's measurement. */
export interface RecordingBaselineResult {
  readonly signals: number;
  readonly ms: number;
  readonly signalsPerSecond: number;
  /** Present when a meter was given. */
  readonly cost?: RunCost;
}

const ENGINE = 'lean_self_hosted';
const DEDUP_TTL_MS = 7 * 24 * 3600 * 1000;

function signalIdOf(raw: string): string {
  const parsed: unknown = JSON.parse(raw);
  if (typeof parsed !== 'object' || parsed === null || !('signal_id' in parsed) || typeof parsed.signal_id !== 'string') {
    throw new Error(`A benchmark signal has no signal_id: ${raw}`);
  }
  return parsed.signal_id;
}

/** Pre-fills a stream with `signals` entries, then times moving them through with the service's records. */
export async function runRecordingBaseline(options: RecordingBaselineOptions): Promise<RecordingBaselineResult> {
  const redis = withScripts(new Redis(options.redisUrl, { enableAutoPipelining: true }));
  const stream = 'bench.recording.signals';
  const events = 'bench.recording.events';
  const group = 'bench.recording.group';
  const consumer = 'recording';
  const lease = { key: 'bench.recording.leader', token: 'bench-term', epoch: 1 };
  const scope: RecordScope = {
    queueKey: stream,
    group,
    consumer,
    destinations: { queueName: stream, eventsStream: events, deadLetterStream: 'bench.recording.dead', dedupTtlMs: DEDUP_TTL_MS },
    fence: { leaseKey: lease.key, token: lease.token, epoch: lease.epoch },
  };
  try {
    await fillStream(redis, stream, 'recording', 0, options.signals, options.symbols);
    await redis.xgroup('CREATE', stream, group, 0);
    await redis.set(lease.key, lease.token);
    await options.meter?.begin();
    const started = nowMs();
    const deadline = started + options.timeoutMs;
    let moved = 0;
    let reading = redis.xreadgroup('GROUP', group, consumer, 'COUNT', options.batch, 'STREAMS', stream, '>');
    while (moved < options.signals) {
      if (nowMs() > deadline) throw new Error(`The recording baseline moved only ${moved} of ${options.signals} signals in ${options.timeoutMs} ms`);
      const entries = (await reading)?.[0]?.[1] ?? [];
      if (entries.length === 0) throw new Error(`The recording baseline stream ran dry after ${moved} of ${options.signals} signals`);
      const batch = entries.map(([id, fields]) => ({ id, raw: fields?.[1] ?? '', signalId: signalIdOf(fields?.[1] ?? '') }));
      // Before dispatch: is it a duplicate, was it sent before, and record where it goes now.
      const begin = beginAttemptCall(
        scope,
        batch.map(({ id, signalId }) => ({ ref: { kind: 'stream', ref: id }, signalId, engine: ENGINE, first: true })),
      );
      await redis.efBeginAttempt(...begin.keysThenArgs);
      // After the (instant) execution: the records and the ack, and the next read in the same write.
      const at = Date.now();
      const settle = settleSignalCall(
        scope,
        batch.map(({ id, raw, signalId }) => ({
          ref: { kind: 'stream', ref: id },
          clearsAttempt: true,
          outcome: {
            signalId,
            outcome: 'executed',
            engine: ENGINE,
            attempts: 1,
            reason: `executed on ${ENGINE}`,
            signal: raw,
            at,
            report: {
              engine: ENGINE,
              order_id: `bench-${signalId}`,
              signal_id: signalId,
              status: 'filled',
              fill_price: 187.5,
              filled_at: new Date(at).toISOString(),
            },
            latencyMs: 0,
          },
        })),
      );
      const settled = redis.efSettleSignal(...settle.keysThenArgs);
      moved += batch.length;
      reading = moved < options.signals ? redis.xreadgroup('GROUP', group, consumer, 'COUNT', options.batch, 'STREAMS', stream, '>') : Promise.resolve(null);
      await settled;
    }
    const ms = nowMs() - started;
    const cost = await options.meter?.end(options.signals);
    const recorded = await redis.xlen(events);
    if (recorded !== options.signals) throw new Error(`The recording baseline recorded ${recorded} outcomes for ${options.signals} signals`);
    return { signals: moved, ms, signalsPerSecond: perSecond(moved, ms), ...(cost ? { cost } : {}) };
  } finally {
    redis.disconnect();
  }
}
