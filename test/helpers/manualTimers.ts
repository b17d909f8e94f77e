/** Timers that fire only when a test moves time on: the `setTimer`/`clearTimer` the engines take. */
import type { TimerHandle } from '../../src/engines/timers.js';

/** A clock at `now` with timers that `advance()` fires in time order. */
export class ManualTimers {
  now: number;
  private nextId = 1;
  private readonly pending = new Map<number, { at: number; callback: () => void }>();

  constructor(start = 0) {
    this.now = start;
  }

  readonly setTimer = (callback: () => void, ms: number): number => {
    const id = this.nextId;
    this.nextId += 1;
    this.pending.set(id, { at: this.now + ms, callback });
    return id;
  };

  readonly clearTimer = (handle: TimerHandle): void => {
    if (typeof handle === 'number') this.pending.delete(handle);
  };

  /** Timers not yet fired nor cleared. */
  get count(): number {
    return this.pending.size;
  }

  /** Moves time on by `ms`, firing due timers in order and letting promises settle after each. */
  async advance(ms: number): Promise<void> {
    const target = this.now + ms;
    await settle();
    for (;;) {
      const due = [...this.pending].filter(([, timer]) => timer.at <= target).sort(([, a], [, b]) => a.at - b.at)[0];
      if (due === undefined) break;
      const [id, timer] = due;
      this.pending.delete(id);
      this.now = timer.at;
      timer.callback();
      await settle();
    }
    this.now = target;
    await settle();
  }
}

/** Lets every promise chain that can progress do so. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
