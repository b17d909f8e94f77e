/** Timers that move only when a test says so, for the live feed's coalescing and watchdog. */
import type { FeedTimers } from '../../src/inspector/coalescer.js';

interface Task {
  readonly id: number;
  at: number;
  readonly every: number | null;
  readonly run: () => void;
}

/** {@link FeedTimers} on a clock that `advance()` moves, running what falls due in time order. */
export class ManualTimers implements FeedTimers {
  private time = 0;
  private nextId = 1;
  private readonly tasks = new Map<number, Task>();

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): () => void {
    return this.schedule(callback, ms, null);
  }

  setInterval(callback: () => void, ms: number): () => void {
    return this.schedule(callback, ms, ms);
  }

  /** How many timers are pending (intervals included). */
  get pending(): number {
    return this.tasks.size;
  }

  /** Moves the clock by `ms`, running every timer due on the way, in time order. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const due = [...this.tasks.values()].filter((task) => task.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (due === undefined) break;
      this.time = Math.max(this.time, due.at);
      if (due.every === null) this.tasks.delete(due.id);
      else due.at += due.every;
      due.run();
    }
    this.time = end;
  }

  private schedule(run: () => void, ms: number, every: number | null): () => void {
    const id = this.nextId++;
    this.tasks.set(id, { id, at: this.time + Math.max(0, ms), every: every === null ? null : Math.max(1, every), run });
    return () => this.tasks.delete(id);
  }
}
