/**
 * (c) The peer a user would pick instead of this service: a BullMQ queue and worker, with an
 * opossum circuit breaker around a no-op engine call. Same Redis, same signals, same concurrency.
 * Jobs are added first; the clock runs from creating the worker to its last `completed` event.
 */
import { Queue, Worker } from 'bullmq';
import CircuitBreaker from 'opossum';
import { benchSignal } from './signals.js';
import type { Meter, RunCost } from './meter.js';
import { nowMs, perSecond, waitUntil } from './timing.js';

/** What a peer run is started with. */
export interface PeerOptions {
  readonly redisUrl: string;
  readonly runId: string;
  readonly signals: number;
  readonly symbols: number;
  readonly concurrency: number;
  readonly timeoutMs: number;
  /** Measures the cost of the timed window. */
  readonly meter?: Meter;
}

/** A peer run's measurement. */
export interface PeerResult {
  readonly signals: number;
  readonly concurrency: number;
  readonly ms: number;
  readonly signalsPerSecond: number;
  /** Present when a meter was given. */
  readonly cost?: RunCost;
}

type SignalData = Record<string, unknown>;

// Jobs per addBulk call while filling.
const ADD_CHUNK = 1000;

/** The engine call the breaker guards: answers at once, like the service's `sim://` engine. */
async function noOpEngine(signal: SignalData): Promise<{ status: 'filled'; signal_id: unknown }> {
  return { status: 'filled', signal_id: signal.signal_id };
}

/** Runs `signals` jobs through a BullMQ worker with an opossum breaker and times them. */
export async function runPeer(options: PeerOptions): Promise<PeerResult> {
  const url = new URL(options.redisUrl);
  const connection = { host: url.hostname, port: Number(url.port), maxRetriesPerRequest: null };
  const name = `bench-${options.runId}`;
  const queue = new Queue<SignalData>(name, { connection });
  // The thresholds an operator would set for an engine: 5 s timeout, open at half the calls failing.
  const breaker = new CircuitBreaker(noOpEngine, { timeout: 5000, errorThresholdPercentage: 50, resetTimeout: 300_000 });
  let worker: Worker<SignalData> | null = null;
  try {
    for (let start = 0; start < options.signals; start += ADD_CHUNK) {
      const jobs = [];
      for (let index = start; index < Math.min(options.signals, start + ADD_CHUNK); index++) {
        const data = benchSignal(options.runId, index, options.symbols);
        // The signal id as job id: BullMQ's own deduplication, the peer of the service's dedup record.
        jobs.push({ name: 'signal', data, opts: { jobId: String(data.signal_id) } });
      }
      await queue.addBulk(jobs);
    }
    let completed = 0;
    let failed = 0;
    await options.meter?.begin();
    const started = nowMs();
    worker = new Worker<SignalData>(name, (job) => breaker.fire(job.data), { connection, concurrency: options.concurrency });
    worker.on('completed', () => {
      completed++;
    });
    worker.on('failed', () => {
      failed++;
    });
    const finished = await waitUntil(`${options.signals} jobs through the BullMQ worker`, () => completed + failed >= options.signals, options.timeoutMs);
    if (failed > 0) throw new Error(`${failed} of ${options.signals} BullMQ jobs failed; the measurement is void`);
    const ms = finished - started;
    const cost = await options.meter?.end(options.signals);
    return { signals: options.signals, concurrency: options.concurrency, ms, signalsPerSecond: perSecond(options.signals, ms), ...(cost ? { cost } : {}) };
  } finally {
    await worker?.close();
    breaker.shutdown();
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
  }
}
