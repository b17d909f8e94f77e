/**
 * Sliding-window counts of one engine's calls, for the failure-rate and slow-call rules.
 *
 * Calls are counted in buckets of at most one second (a tenth of the window when the window is
 * shorter than ten seconds), so the window's size stays bounded however many calls an engine
 * gets, and the persisted state with it. A bucket counts while its start lies within the window:
 * a call stays counted between one bucket less than the window and the full window. Pure: the
 * time is always passed in.
 */

/** The calls of one bucket: those made from `start` (epoch ms) up to the next bucket. */
export interface WindowBucket {
  readonly start: number;
  readonly calls: number;
  readonly failures: number;
  readonly slow: number;
}

/** An engine's buckets, oldest first; only buckets with calls are kept. */
export type CallWindow = readonly WindowBucket[];

/** The totals of a window. */
export interface CallCounts {
  readonly calls: number;
  readonly failures: number;
  readonly slow: number;
}

/** One call as the window counts it. */
export interface CountedCall {
  readonly at: number;
  readonly failed: boolean;
  readonly slow: boolean;
}

/** The window of an engine that has made no call (or was reset). */
export const EMPTY_WINDOW: CallWindow = [];

/** The width of a bucket for a window of `windowMs`. */
export function bucketWidth(windowMs: number): number {
  return Math.min(1000, windowMs / 10);
}

/** The buckets still inside the window at `at`. */
export function slide(window: CallWindow, at: number, windowMs: number): CallWindow {
  return window.filter((bucket) => bucket.start > at - windowMs);
}

/** The window with `call` counted, and the buckets that fell out of it at the call's time dropped. */
export function recordCall(window: CallWindow, call: CountedCall, windowMs: number): CallWindow {
  const width = bucketWidth(windowMs);
  const start = Math.floor(call.at / width) * width;
  const kept = slide(window, call.at, windowMs);
  const add = (bucket: WindowBucket): WindowBucket => ({
    start: bucket.start,
    calls: bucket.calls + 1,
    failures: bucket.failures + (call.failed ? 1 : 0),
    slow: bucket.slow + (call.slow ? 1 : 0),
  });
  if (kept.some((bucket) => bucket.start === start)) {
    return kept.map((bucket) => (bucket.start === start ? add(bucket) : bucket));
  }
  // A call reported late may belong before the newest bucket: keep the buckets in time order.
  return [...kept, add({ start, calls: 0, failures: 0, slow: 0 })].sort((a, b) => a.start - b.start);
}

/** The totals of the calls inside the window at `at`. */
export function countsAt(window: CallWindow, at: number, windowMs: number): CallCounts {
  return slide(window, at, windowMs).reduce(
    (sum, bucket) => ({
      calls: sum.calls + bucket.calls,
      failures: sum.failures + bucket.failures,
      slow: sum.slow + bucket.slow,
    }),
    { calls: 0, failures: 0, slow: 0 },
  );
}

/** Whether `part` of `whole` reaches `percent` (compared in integers: no rounding at the boundary). */
export function shareReaches(part: number, whole: number, percent: number): boolean {
  return whole > 0 && part * 100 >= percent * whole;
}
