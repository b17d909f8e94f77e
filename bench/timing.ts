/** Clocks, bounded waits and percentiles for the benchmark. */
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';

/** Milliseconds since an arbitrary origin, sub-millisecond precise and monotonic. */
export function nowMs(): number {
  return performance.now();
}

/** Operations per second for `count` operations in `ms` milliseconds. */
export function perSecond(count: number, ms: number): number {
  return ms > 0 ? (count * 1000) / ms : 0;
}

/**
 * Polls `done` every `everyMs` until it returns true, and returns the time it first did, so to within
 * `everyMs`: 5 ms by default, a fraction of a percent of a timed run (polling every millisecond cost
 * the measured process about 3 % of its CPU). Fails after `timeoutMs`, naming `what`, so a stuck
 * phase ends the run instead of hanging it.
 */
export async function waitUntil(what: string, done: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 5): Promise<number> {
  const deadline = nowMs() + timeoutMs;
  for (;;) {
    if (await done()) return nowMs();
    if (nowMs() > deadline) throw new Error(`The benchmark timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await delay(everyMs);
  }
}

/** The `p`-th percentile (0 to 100) of `values` by the nearest-rank method; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

/** The median of `values`; NaN when empty. */
export function median(values: readonly number[]): number {
  return percentile(values, 50);
}
