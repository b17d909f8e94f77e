/**
 * Turns bursts of "something changed" into at most one flush per interval: the first change of a
 * quiet period is flushed on the next tick (so a burst within one tick is one flush), later ones
 * wait until the interval has passed since the last flush. Nothing is lost: the flush reads the
 * latest state.
 */

/** Timers as the coalescer and the live feed use them; tests inject their own. */
export interface FeedTimers {
  /** Runs `callback` once after `ms`; returns a function that cancels it. */
  setTimeout(callback: () => void, ms: number): () => void;
  /** Runs `callback` every `ms`; returns a function that stops it. */
  setInterval(callback: () => void, ms: number): () => void;
  /** Milliseconds from any fixed origin. */
  now(): number;
}

/** Real timers that never keep the process alive. */
export const REAL_TIMERS: FeedTimers = {
  setTimeout(callback, ms) {
    const handle = setTimeout(callback, ms);
    handle.unref();
    return () => clearTimeout(handle);
  },
  setInterval(callback, ms) {
    const handle = setInterval(callback, ms);
    handle.unref();
    return () => clearInterval(handle);
  },
  now: () => performance.now(),
};

/** Calls `flush` at most once per `intervalMs`, after one or more `request()`s. */
export class Coalescer {
  private cancelPending: (() => void) | null = null;
  private lastFlush = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly flush: () => void,
    private readonly intervalMs: number,
    private readonly timers: FeedTimers = REAL_TIMERS,
  ) {}

  /** Something changed: flush soon. */
  request(): void {
    if (this.cancelPending !== null) return;
    const wait = Math.max(0, this.lastFlush + this.intervalMs - this.timers.now());
    this.cancelPending = this.timers.setTimeout(() => {
      this.cancelPending = null;
      this.lastFlush = this.timers.now();
      this.flush();
    }, wait);
  }

  /** Drops a pending flush. */
  cancel(): void {
    this.cancelPending?.();
    this.cancelPending = null;
  }
}
