/**
 * What the inspector's server sends its page, and where. Types and constants only, shared by the
 * server and the browser bundle, so that both sides agree on every name.
 */
import type { EngineId } from '../../machines/engines.js';
import type { SimFaults } from '../engines/simFaults.js';
import type { Role, StatusJson, TransitionJson } from '../policy/status.js';
import type { WindowsView } from './engineWindows.js';

/** The page and its assets: public, they carry no data. */
export const PAGE_PATH = '/inspect';
/** The page's script, bundled from `client/`. */
export const SCRIPT_PATH = '/inspect/app.js';
/** The page's style sheet. */
export const STYLE_PATH = '/inspect/app.css';
/** The shipped scenario files: a listing, and each file by name below it. Public. */
export const SCENARIOS_PATH = '/inspect/scenarios';

/** The live stream (server-sent events). Needs the admin token when one is set. */
export const STREAM_PATH = '/inspect/api/stream';
/** `POST {FAULTS_PATH}/<engine id>` with a JSON body changes a `sim://` engine's faults. Needs the token. */
export const FAULTS_PATH = '/inspect/api/faults';

/** The names of the stream's events. */
export const STREAM_EVENTS = {
  /** Sent first on every connection: which service instance the page talks to. */
  hello: 'hello',
  /** The policy's state, engines and recent transitions (`LiveSnapshot`). */
  snapshot: 'snapshot',
  /** New or updated entries of the event log (`LogUpdate`). */
  log: 'log',
  /** The stream ends (`Closing`); the page reconnects. */
  closing: 'closing',
} as const;

/**
 * Why a stream ends: the service stops (`stopped`), this instance leads no more or leads with a
 * new policy actor (`policy-changed`), or it is a standby, which drives no policy (`standby`).
 */
export type ClosingReason = 'stopped' | 'policy-changed' | 'standby';

/** The data of the `closing` event. */
export interface Closing {
  readonly reason: ClosingReason;
}

/** The data of the `hello` event. */
export interface Hello {
  /** Changes when the service restarts, so the page can say so. */
  readonly instance: string;
  /** ISO time the service instance started. */
  readonly startedAt: string;
}

/** How one engine is bound, as the inspector shows it. */
export interface EngineView {
  readonly id: EngineId;
  /** `sim` engines take fault injection; `http` ones are real bridges; `absent` is not configured. */
  readonly kind: 'sim' | 'http' | 'absent';
  /** The configured URL without credentials, or null when absent. */
  readonly url: string | null;
  /** A `sim://` engine's faults now; null for the others. */
  readonly faults: SimFaults | null;
  /** The last health probe: true healthy, false unhealthy, null none yet. */
  readonly lastProbeHealthy: boolean | null;
}

/** The data of the `snapshot` event: everything the live view shows but the event log. */
export interface LiveSnapshot {
  /** Increases with every snapshot the server sends. */
  readonly seq: number;
  /** A standby drives no policy: it has no status, state or transitions to show. */
  readonly role: Role;
  /** `GET /admin/execution-status`'s JSON, as the leader answers it now; null on a standby. */
  readonly status: StatusJson | null;
  /** The full state as a dotted path, such as `backup1Active.waiting`; null on a standby. */
  readonly statePath: string | null;
  /** The recent transitions, newest last. */
  readonly transitions: readonly TransitionJson[];
  readonly engines: readonly EngineView[];
  /** Each engine's call window at the snapshot's time; null on a standby. */
  readonly windows: WindowsView | null;
  /** ISO time the snapshot was taken. */
  readonly at: string;
}

/** What kind of thing an event log entry records. */
export type LogKind = 'event' | 'action' | 'state';

/**
 * One line of the event log. Repeats of a recent line (the same kind, type and detail) are counted
 * into it, so thousands of `EXECUTION_SUCCEEDED` make one line.
 */
export interface LogEntry {
  /** Unique; an entry keeps its id while its count grows. */
  readonly id: number;
  /** Orders the entries: increases with every line, so a repeat moves its entry to the top. */
  readonly seq: number;
  readonly kind: LogKind;
  /** The event type (`EXECUTION_FAILED`), action (`alert`) or state path. */
  readonly type: string;
  /** The rest, for people: engine, reason, probe results. */
  readonly detail: string;
  /** How many equal entries in a row this line stands for. */
  readonly count: number;
  /** Epoch ms of the first and the last of them. */
  readonly firstAt: number;
  readonly lastAt: number;
}

/** The data of the `log` event: entries to add or replace (by id). */
export interface LogUpdate {
  readonly entries: readonly LogEntry[];
  /** The number of entries the server keeps; the page keeps the newest (by `seq`) that many. */
  readonly limit: number;
}

/** The answer of the faults endpoint. */
export interface FaultsAnswer {
  readonly engine: EngineId;
  readonly faults: SimFaults;
}

/** A shipped scenario file, as the listing names it. */
export interface ScenarioListing {
  /** The file name, such as `flapping-primary.json`. */
  readonly file: string;
  /** The scenario's `name`. */
  readonly name: string;
  readonly description: string | null;
}

/** Every error answer of the inspector's endpoints, as of the admin API. */
export interface ErrorAnswer {
  readonly error: string;
}
