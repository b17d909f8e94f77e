/**
 * The inspector's event log: the actor's inspection events as short lines for people, in a
 * bounded buffer. Repeats become one line with a count, so a busy service (hundreds of
 * `EXECUTION_SUCCEEDED` a second) costs one line, not hundreds.
 */
import type { AnyEventObject, InspectionEvent } from 'xstate';
import { statePath } from '../policy/status.js';
import type { LogEntry, LogKind } from './protocol.js';

/** How many lines the log keeps by default. */
export const DEFAULT_LOG_LIMIT = 200;

/** A line before it gets an id and a count. */
export interface LogLine {
  readonly kind: LogKind;
  readonly type: string;
  readonly detail: string;
  /** Epoch ms. */
  readonly at: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function probeText(results: Record<string, unknown>): string {
  return Object.entries(results)
    .map(([engine, healthy]) => `${engine} ${healthy === true ? 'healthy' : healthy === false ? 'unhealthy' : String(healthy)}`)
    .join(', ');
}

/**
 * Fields a line leaves out: `type` and `at` are shown apart, `input` is the actor's start-up input
 * (its settings), and `durationMs` is a measurement of the call rather than what happened. Every
 * engine call carries its own duration (to the microsecond from a real bridge), so with it no two
 * calls would read alike, none would be counted together, and a busy service's successes would
 * push every other line out of the log. The slow-call rule's view of the durations is the engine's
 * window on the page.
 */
const LEFT_OUT: ReadonlySet<string> = new Set(['type', 'at', 'input', 'durationMs']);

/** The fields of an event but those {@link LEFT_OUT}, as text. */
function eventDetail(event: AnyEventObject): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(event)) {
    if (LEFT_OUT.has(name)) continue;
    if (name === 'results' && isRecord(value)) parts.push(probeText(value));
    else parts.push(typeof value === 'string' ? `${name} ${value}` : `${name} ${JSON.stringify(value)}`);
  }
  return parts.join('; ');
}

function eventLine(event: AnyEventObject, at: number): LogLine {
  if (event.type === 'xstate.init') return { kind: 'event', type: event.type, detail: 'the policy actor started', at };
  if (event.type.startsWith('xstate.after.')) return { kind: 'event', type: 'timer', detail: 'the recovery delay elapsed', at };
  return { kind: 'event', type: event.type, detail: eventDetail(event), at };
}

function actionLine(action: { type: string; params: unknown }, at: number): LogLine | null {
  const params = isRecord(action.params) ? action.params : {};
  if (action.type === 'xstate.raise' && typeof params.delay === 'number') {
    return { kind: 'action', type: 'timer', detail: `armed: fires in ${params.delay / 1000} s`, at };
  }
  if (action.type === 'xstate.cancel') return { kind: 'action', type: 'timer', detail: 'cancelled', at };
  // Built-in actions (assign, raise without delay) are bookkeeping, not news.
  if (action.type.startsWith('xstate.')) return null;
  const detail = Object.entries(params)
    .map(([name, value]) => `${name} ${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join('; ');
  return { kind: 'action', type: action.type, detail, at };
}

function eventTime(event: unknown, now: () => number): number {
  return isRecord(event) && typeof event.at === 'number' && Number.isFinite(event.at) ? event.at : now();
}

/**
 * Turns inspection events into log lines. Stateful only in the state path it last saw, so that a
 * snapshot becomes a line only when the state changed.
 */
export class InspectionDescriber {
  private lastPath: string | null = null;

  constructor(private readonly now: () => number = Date.now) {}

  /** The line for `event`, or null when it is not worth a line. */
  describe(inspection: InspectionEvent): LogLine | null {
    switch (inspection.type) {
      case '@xstate.event':
        return eventLine(inspection.event, eventTime(inspection.event, this.now));
      case '@xstate.action':
        return actionLine(inspection.action, this.now());
      case '@xstate.snapshot': {
        const snapshot: unknown = inspection.snapshot;
        if (!isRecord(snapshot) || !('value' in snapshot)) return null;
        const path = statePath(snapshot.value);
        const previous = this.lastPath;
        if (path === previous) return null;
        this.lastPath = path;
        const detail = previous === null ? 'initial state' : `from ${previous}`;
        return { kind: 'state', type: path, detail, at: eventTime(inspection.event, this.now) };
      }
      default:
        return null;
    }
  }
}

/** Options of an {@link InspectionLog}. */
export interface InspectionLogOptions {
  /** How many lines to keep; default {@link DEFAULT_LOG_LIMIT}. */
  readonly limit?: number;
  /** How many of the newest lines a repeat may join; default {@link DEFAULT_MERGE_WINDOW}. */
  readonly mergeWindow?: number;
  /** Epoch ms now, for events without `at`; default `Date.now`. */
  readonly now?: () => number;
}

/**
 * How many of the newest lines a repeat may join. More than one, because routine events
 * interleave (a success, a probe round, a success…) and would otherwise never be counted together.
 */
export const DEFAULT_MERGE_WINDOW = 4;

function sameLine(entry: LogEntry, line: LogLine): boolean {
  return entry.kind === line.kind && entry.type === line.type && entry.detail === line.detail;
}

/**
 * The bounded, aggregated log of the actor's inspection events. A line equal to one of the newest
 * few is counted into it, and that entry moves to the top (a new `seq`, the same `id`); the oldest
 * entries are forgotten beyond `limit`.
 */
export class InspectionLog {
  /** How many lines it keeps. */
  readonly limit: number;
  private readonly mergeWindow: number;
  /** By id, in `seq` order: a Map keeps insertion order, and re-inserting moves an entry last. */
  private readonly kept = new Map<number, LogEntry>();
  /** The ids of the newest entries, newest last: the ones a repeat may join. */
  private recent: number[] = [];
  private readonly describer: InspectionDescriber;
  private readonly listeners = new Set<(entry: LogEntry) => void>();
  private nextId = 1;
  private nextSeq = 1;

  /** @throws RangeError when `limit` or `mergeWindow` is not a whole number of at least 1. */
  constructor(options: InspectionLogOptions = {}) {
    this.limit = options.limit ?? DEFAULT_LOG_LIMIT;
    this.mergeWindow = options.mergeWindow ?? DEFAULT_MERGE_WINDOW;
    for (const [name, value] of [
      ['limit', this.limit],
      ['mergeWindow', this.mergeWindow],
    ] as const) {
      if (!Number.isInteger(value) || value < 1) throw new RangeError(`the event log's ${name} must be a whole number of at least 1, got ${value}`);
    }
    this.describer = new InspectionDescriber(options.now);
  }

  /** Takes one inspection event; pass it as the actor's `inspect` callback. */
  readonly record = (inspection: InspectionEvent): void => {
    const line = this.describer.describe(inspection);
    if (line !== null) this.add(line);
  };

  /** Adds a line, or counts it into one of the newest entries that says the same. */
  add(line: LogLine): void {
    const match = this.recent.map((id) => this.kept.get(id)).find((entry) => entry !== undefined && sameLine(entry, line));
    let entry: LogEntry;
    if (match !== undefined) {
      entry = { ...match, seq: this.nextSeq++, count: match.count + 1, lastAt: Math.max(match.lastAt, line.at) };
      this.kept.delete(match.id);
      this.recent = this.recent.filter((id) => id !== match.id);
    } else {
      entry = { id: this.nextId++, seq: this.nextSeq++, kind: line.kind, type: line.type, detail: line.detail, count: 1, firstAt: line.at, lastAt: line.at };
    }
    this.kept.set(entry.id, entry);
    this.recent.push(entry.id);
    if (this.recent.length > this.mergeWindow) this.recent.shift();
    for (const oldest of this.kept.keys()) {
      if (this.kept.size <= this.limit) break;
      this.kept.delete(oldest);
    }
    for (const listener of this.listeners) listener(entry);
  }

  /** Every kept entry, oldest first. */
  entries(): LogEntry[] {
    return [...this.kept.values()];
  }

  /** Calls `listener` with every new or updated entry; returns the unsubscribe function. */
  subscribe(listener: (entry: LogEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
