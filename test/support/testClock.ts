/**
 * The one clock of the tests: XState's simulated clock (through the simulation's `TrackingClock`,
 * which knows its next due timer), so the policy actor, the manager, the prober, the engines, the
 * live feed and the queues all run on the same timers and no test waits on the wall clock.
 */
import type { Clock } from '../../src/clock.js';
import { TrackingClock } from '../../src/simulation/clock.js';

/** A {@link Clock} that moves only when a test calls {@link TestClock.advance}. */
export class TestClock extends TrackingClock implements Clock {
  /** A clock at `start` epoch milliseconds (default 0). */
  constructor(start = 0) {
    super();
    if (start !== 0) this.set(start);
  }

  /**
   * Moves time on by `ms`. Due timers fire in time order, the clock standing at each one's due
   * time while it runs, and promises settle after each instant, so a timer armed by what a fired
   * timer set off also fires when it falls within `ms`.
   */
  async advance(ms: number): Promise<void> {
    const target = this.now() + ms;
    await settle();
    for (;;) {
      const due = this.nextDue();
      if (due === null || due > target) break;
      // A timer armed with a negative delay is due before now; time never runs backwards.
      this.set(Math.max(due, this.now()));
      await settle();
    }
    this.set(target);
    await settle();
  }
}

/** Lets every promise chain that can progress without time passing do so. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
