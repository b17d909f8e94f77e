/**
 * The scenario's events on the simulated clock: taken in time order, each once, and turned into
 * what the simulation does with them (an operator action becomes the machine's event, an engine
 * change a timeline entry).
 */
import type { FailoverEvent } from '../../machines/executionFailover.js';
import { toMs, toSeconds } from './clock.js';
import type { EngineEntry } from './entries.js';
import type { EngineChange, OperatorAction, ScenarioEvent } from './scenario.js';

/** The events not yet due, in time order (the scenario's lists are sorted, equal times in the file's order). */
export class ScenarioEvents {
  private readonly timed: readonly { readonly event: ScenarioEvent; readonly atMs: number }[];
  private nextIndex = 0;

  constructor(events: readonly ScenarioEvent[]) {
    this.timed = events.map((event) => ({ event, atMs: toMs(event.at) }));
  }

  /** When the next event is due (clock milliseconds), or null when none is left. */
  get nextAtMs(): number | null {
    return this.timed[this.nextIndex]?.atMs ?? null;
  }

  /** The events due at `atMs`, in the file's order; each is taken once. */
  takeDue(atMs: number): ScenarioEvent[] {
    const due: ScenarioEvent[] = [];
    for (let next = this.timed[this.nextIndex]; next?.atMs === atMs; next = this.timed[this.nextIndex]) {
      due.push(next.event);
      this.nextIndex += 1;
    }
    return due;
  }
}

/** The timeline entry of an engine change at `atMs`. */
export function engineEntry(change: EngineChange, atMs: number): EngineEntry {
  return {
    kind: 'engine',
    at: toSeconds(atMs),
    engine: change.engine,
    becomes: change.becomes,
    ...(change.latency_ms === undefined ? {} : { latencyMs: change.latency_ms }),
  };
}

/** The machine event an operator action sends at `at` (clock milliseconds). */
export function operatorEvent(action: OperatorAction, at: number): FailoverEvent {
  switch (action.operator) {
    case 'pause':
      return { type: 'PAUSE', reason: action.reason, at };
    case 'resume':
      return { type: 'RESUME', at };
    case 'switch':
      return { type: 'SWITCH', engine: action.engine, at };
    case 'maintenance':
      // `until` is scenario time, as every time in the file.
      return {
        type: 'MAINTENANCE_STARTED',
        engine: action.engine,
        reason: action.reason,
        until: action.until === undefined ? null : action.until * 1000,
        at,
      };
    case 'maintenance_end':
      return { type: 'MAINTENANCE_ENDED', engine: action.engine, at };
  }
}
