/**
 * Turns bursts of "something changed" into at most one flush per interval: the first change of a
 * quiet period is flushed on the next tick (so a burst within one tick is one flush), later ones
 * wait until the interval has passed since the last flush. Nothing is lost: the flush reads the
 * latest state.
 */
import { systemClock, type Clock } from '../clock.js';

/** Calls `flush` at most once per `intervalMs`, after one or more `request()`s. */
export class Coalescer {
  /** The timer of the pending flush; `pending` says whether there is one (a handle may be 0). */
  private pending = false;
  private handle: unknown;
  private lastFlush = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly flush: () => void,
    private readonly intervalMs: number,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Something changed: flush soon. */
  request(): void {
    if (this.pending) return;
    // At most one interval: the clock's time may be wall-clock time, which can step back.
    const wait = Math.min(this.intervalMs, Math.max(0, this.lastFlush + this.intervalMs - this.clock.now()));
    this.pending = true;
    this.handle = this.clock.setTimeout(() => {
      this.pending = false;
      this.lastFlush = this.clock.now();
      this.flush();
    }, wait);
  }

  /** Drops a pending flush. */
  cancel(): void {
    if (this.pending) this.clock.clearTimeout(this.handle);
    this.pending = false;
  }
}
