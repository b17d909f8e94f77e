/**
 * XState's simulated clock, told where its next timer falls. The simulation must stop the clock at
 * every machine timer (the recovery deadline) rather than jump past it: a timer fired late would
 * run its transition, and stamp the events it causes, with the later time.
 */
import { SimulatedClock } from 'xstate';

/** A {@link SimulatedClock} that knows when its earliest pending timer is due. */
export class TrackingClock extends SimulatedClock {
  private readonly dueTimes = new Map<number, number>();

  override setTimeout(fn: () => void, timeout: number): number {
    const id = super.setTimeout(() => {
      this.dueTimes.delete(id);
      fn();
    }, timeout);
    this.dueTimes.set(id, this.now() + timeout);
    return id;
  }

  override clearTimeout(id: number): void {
    this.dueTimes.delete(id);
    super.clearTimeout(id);
  }

  /** How many timers are pending: neither fired nor cleared. Tests check that nothing is left behind. */
  pendingCount(): number {
    return this.dueTimes.size;
  }

  /** When the earliest pending timer is due (clock milliseconds), or null when none is pending. */
  nextDue(): number | null {
    let earliest: number | null = null;
    for (const due of this.dueTimes.values()) {
      if (earliest === null || due < earliest) earliest = due;
    }
    return earliest;
  }
}

const MS_PER_SECOND = 1000;

/** Scenario seconds as clock milliseconds: the simulation's resolution is one millisecond. */
export function toMs(seconds: number): number {
  return Math.round(seconds * MS_PER_SECOND);
}

/** Clock milliseconds as scenario seconds, as the timeline shows them. */
export function toSeconds(ms: number): number {
  return ms / MS_PER_SECOND;
}
