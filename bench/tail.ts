/**
 * `npx tsx bench/tail.ts [rate] [seconds]`: what the slowest 1 % of signals waited for. Runs the
 * service (b) under the latency phase's steady load (bench/latency.ts, 1,000/s for 10 s unless
 * told) against a private redis-server, and meanwhile watches its own process: every pause of the
 * garbage collector, and every stall of the event loop over {@link STALL_MS} (a 1 ms ticker late),
 * with how long the main thread waited for a CPU in it (bench/cpuWait.ts). Each signal at or above
 * the p99 of `XADD` → engine is then put down to the first of these it overlapped:
 *
 * - a collection: a GC pause of 0.5 ms or more;
 * - waiting for a CPU: a stall in which the thread was runnable but off a core for half of it or more;
 * - the service running: any other stall (its own code, a system call, the collector's threads);
 * - no stall of this process: the time went to Redis, the load generator or the scheduler elsewhere.
 *
 * A diagnostic for the latency targets of `npm run bench`, not part of it.
 */
import { constants, performance, PerformanceObserver } from 'node:perf_hooks';
import { startPrivateRedis } from '../test/support/redisServer.js';
import { readSchedule } from './cpuWait.js';
import { serviceUnderLoad } from './latency.js';
import { sharedClockMs } from './latencyProtocol.js';
import { percentile } from './timing.js';

/** A ticker this much late is a stall: well above timer jitter, below the p99 in question. */
const STALL_MS = 4;
/** GC pauses shorter than this are not a signal's explanation. */
const PAUSE_MS = 0.5;

interface Interval {
  /** {@link sharedClockMs} at its start. */
  readonly from: number;
  readonly ms: number;
}

interface Pause extends Interval {
  readonly kind: string;
}

interface Stall extends Interval {
  /** Of `ms`, how long the main thread waited for a CPU; null where that cannot be read. */
  readonly waitedMs: number | null;
}

const CAUSES = ['a collection', 'waiting for a CPU', 'the service running', 'no stall of this process'] as const;
type Cause = (typeof CAUSES)[number];

const GC_KINDS: Readonly<Record<number, string>> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental marking',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak callbacks',
};

function gcKindOf(detail: unknown): string {
  const kind = typeof detail === 'object' && detail !== null && 'kind' in detail ? detail.kind : undefined;
  return typeof kind === 'number' ? (GC_KINDS[kind] ?? `kind ${kind}`) : 'unknown';
}

/** Watches this process's collector and event loop until `stop()`. */
function watchProcess(): { stop(): { pauses: Pause[]; stalls: Stall[] } } {
  const toShared = sharedClockMs() - performance.now();
  const pauses: Pause[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries())
      pauses.push({ from: entry.startTime + toShared, ms: entry.duration, kind: gcKindOf('detail' in entry ? entry.detail : undefined) });
  });
  observer.observe({ entryTypes: ['gc'] });
  const stalls: Stall[] = [];
  let lastTick = sharedClockMs();
  let lastSchedule = readSchedule();
  // The counters are read at every tick, since a stall's start is only known once it has ended:
  // a read of /proc a millisecond, which this diagnostic adds to the process it measures.
  const ticker = setInterval(() => {
    const now = sharedClockMs();
    const schedule = readSchedule();
    if (now - lastTick > STALL_MS) {
      const waitedMs = schedule === null || lastSchedule === null ? null : (schedule.waitingNs - lastSchedule.waitingNs) / 1e6;
      stalls.push({ from: lastTick, ms: now - lastTick, waitedMs });
    }
    lastTick = now;
    lastSchedule = schedule;
  }, 1);
  return {
    stop() {
      clearInterval(ticker);
      observer.disconnect();
      return { pauses, stalls };
    },
  };
}

function overlaps(interval: Interval, from: number, to: number): boolean {
  return interval.from < to && interval.from + interval.ms > from;
}

function causeOf(from: number, to: number, pauses: readonly Pause[], stalls: readonly Stall[]): Cause {
  if (pauses.some((pause) => pause.ms >= PAUSE_MS && overlaps(pause, from, to))) return 'a collection';
  const during = stalls.filter((stall) => overlaps(stall, from, to));
  if (during.some((stall) => stall.waitedMs !== null && stall.waitedMs >= stall.ms / 2)) return 'waiting for a CPU';
  return during.length > 0 ? 'the service running' : 'no stall of this process';
}

function summary(intervals: readonly Interval[]): string {
  const total = intervals.reduce((sum, interval) => sum + interval.ms, 0);
  const longest = intervals.reduce((max, interval) => Math.max(max, interval.ms), 0);
  return `${intervals.length}, ${total.toFixed(0)} ms in all, the longest ${longest.toFixed(1)} ms`;
}

async function main(): Promise<void> {
  const rate = Number(process.argv[2] ?? 1000);
  const seconds = Number(process.argv[3] ?? 10);
  if (!(rate > 0) || !(seconds > 0)) throw new Error('usage: npx tsx bench/tail.ts [signals per second] [seconds]');
  const redis = await startPrivateRedis();
  try {
    const watch = watchProcess();
    const run = await serviceUnderLoad({
      redisUrl: redis.url,
      runId: 'tail',
      rate,
      durationMs: seconds * 1000,
      warmUpMs: 1000,
      symbols: 1000,
      concurrency: 8,
      timeoutMs: 60_000,
    });
    const { pauses, stalls } = watch.stop();
    const signals = run.sent.flatMap((from, index) => {
      const at = run.atEngine[index];
      return from === null || at === undefined || Number.isNaN(at) ? [] : [{ from, at, ms: at - from }];
    });
    // The load generator's warm-up is not measured: neither are its pauses and stalls.
    const first = signals.reduce((min, signal) => Math.min(min, signal.from), Infinity);
    const inRun = <T extends Interval>(intervals: readonly T[]): T[] => intervals.filter((interval) => interval.from + interval.ms > first);
    const measuredPauses = inRun(pauses);
    const measuredStalls = inRun(stalls);
    const sorted = signals.map((signal) => signal.ms).sort((a, b) => a - b);
    const p99 = percentile(sorted, 99);
    const slowest = signals.filter((signal) => signal.ms >= p99);
    const counts = new Map<Cause, number>(CAUSES.map((cause) => [cause, 0]));
    for (const signal of slowest) {
      const cause = causeOf(signal.from, signal.at, measuredPauses, measuredStalls);
      counts.set(cause, (counts.get(cause) ?? 0) + 1);
    }
    console.log(
      `${signals.length} signals at ${rate}/s, XADD → engine: p50 ${percentile(sorted, 50).toFixed(2)} ms, p99 ${p99.toFixed(2)}, p99.9 ${percentile(sorted, 99.9).toFixed(2)}`,
    );
    const byKind = new Map<string, Pause[]>();
    for (const pause of measuredPauses) {
      const list = byKind.get(pause.kind);
      if (list === undefined) byKind.set(pause.kind, [pause]);
      else list.push(pause);
    }
    for (const [kind, list] of byKind) console.log(`  GC ${kind}: ${summary(list)}`);
    const waited = measuredStalls.reduce((sum, stall) => sum + (stall.waitedMs ?? 0), 0);
    console.log(`  event-loop stalls over ${STALL_MS} ms: ${summary(measuredStalls)}; the main thread waited for a CPU ${waited.toFixed(0)} ms of them`);
    console.log(`\nThe ${slowest.length} signals at or above the p99, by the first thing their wait overlapped:`);
    for (const [cause, count] of counts)
      console.log(`${String(count).padStart(7)}  ${((100 * count) / Math.max(1, slowest.length)).toFixed(0).padStart(3)} %  ${cause}`);
  } finally {
    await redis.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
