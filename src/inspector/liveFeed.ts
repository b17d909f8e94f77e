/**
 * The live stream behind the inspector page: one server-sent event stream per open page, all fed
 * from one subscription to the policy actor and the event log. Changes are coalesced (at most
 * `maxMessagesPerSecond` messages), each message is encoded once for every page, and a page that
 * stops reading is dropped rather than buffered without end.
 *
 * A stream follows one policy actor: it ends (`closing`) when that actor stops (the service stops,
 * or this instance steps down) or another one takes over (a new leader term), and the page
 * reconnects. A standby drives no policy, so its streams end right after their first snapshot. No
 * stream outlives its actor, so a stopping service never waits for its inspector pages.
 */
import type { EngineId } from '../../machines/engines.js';
import { every, systemClock, type Clock } from '../clock.js';
import type { ExecutionEngine } from '../engines/types.js';
import type { PolicyRuntime } from '../policy/runtime.js';
import { statePath, statusOf, transitionJson } from '../policy/status.js';
import { Coalescer } from './coalescer.js';
import { engineViews } from './engineViews.js';
import { windowsView } from './engineWindows.js';
import type { InspectionLog } from './eventLog.js';
import { STREAM_EVENTS, type Closing, type ClosingReason, type Hello, type LiveSnapshot, type LogEntry, type LogUpdate } from './protocol.js';
import { formatSse, formatSseComment } from './sse.js';

/** What the feed reads of a policy actor. */
export type FeedPolicy = Pick<PolicyRuntime, 'state' | 'subscribe' | 'now' | 'isRunning'>;

/** What the feed reads. */
export interface LiveFeedSource {
  /** The policy actor this instance drives now; null on a standby. */
  currentPolicy(): FeedPolicy | null;
  /** The epoch of the term this instance leads, shown in the status; null on a standby. */
  leaderEpoch(): number | null;
  readonly engines: () => Partial<Record<EngineId, ExecutionEngine>>;
  readonly log: InspectionLog;
  /** Which service instance this is; sent first on every stream. */
  readonly hello: Hello;
}

/** Tuning of the feed; the defaults suit a person watching. */
export interface LiveFeedOptions {
  /** Most messages a second (a snapshot and a log update count as one). Default 20. */
  readonly maxMessagesPerSecond?: number;
  /** A comment this often keeps idle connections open through proxies. Default 15 000 ms. */
  readonly heartbeatMs?: number;
  /** How often to check that the actor still runs and is still this instance's. Default 250 ms. */
  readonly watchdogMs?: number;
  /** Messages a page may fall behind before it is dropped. Default 256. */
  readonly maxQueuedMessages?: number;
  /**
   * Streams open at once (`INSPECT_MAX_CLIENTS`): each holds a connection and up to
   * `maxQueuedMessages` messages, so without a bound pages could exhaust them. Default 50.
   */
  readonly maxClients?: number;
  /** Times the coalescing, the heartbeat and the watchdog; default {@link systemClock}. */
  readonly clock?: Clock;
}

interface Client {
  readonly controller: ReadableStreamDefaultController<Uint8Array>;
}

/** The subscription shared by the open streams: to one actor, while any page watches it. */
interface Watch {
  readonly policy: FeedPolicy;
  stop(): void;
}

const encoder = new TextEncoder();

/** The default of `INSPECT_MAX_CLIENTS`. */
export const DEFAULT_MAX_CLIENTS = 50;

function closingMessage(reason: ClosingReason): string {
  const data: Closing = { reason };
  return formatSse({ event: STREAM_EVENTS.closing, data: JSON.stringify(data) });
}

/** The live streams of one service. */
export class LiveFeed {
  private readonly clients = new Set<Client>();
  private readonly coalescer: Coalescer;
  private readonly clock: Clock;
  private readonly heartbeatMs: number;
  private readonly watchdogMs: number;
  private readonly maxQueued: number;
  /** See {@link LiveFeedOptions.maxClients}. */
  readonly maxClients: number;
  private readonly pendingLog = new Map<number, LogEntry>();
  private stateChanged = false;
  private seq = 0;
  private watch: Watch | null = null;

  constructor(
    private readonly source: LiveFeedSource,
    options: LiveFeedOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.heartbeatMs = options.heartbeatMs ?? 15_000;
    this.watchdogMs = options.watchdogMs ?? 250;
    this.maxQueued = options.maxQueuedMessages ?? 256;
    this.maxClients = options.maxClients ?? DEFAULT_MAX_CLIENTS;
    const perSecond = options.maxMessagesPerSecond ?? 20;
    this.coalescer = new Coalescer(() => this.flush(), 1000 / perSecond, this.clock);
  }

  /** How many pages are connected. */
  get clientCount(): number {
    return this.clients.size;
  }

  /**
   * True when {@link maxClients} streams are open: the route refuses another (503) rather than
   * `open()` it. Checked and opened in one turn of the event loop, so no page slips in between.
   */
  get full(): boolean {
    return this.clients.size >= this.maxClients;
  }

  /** What the page shows now, as the next `snapshot` event carries it. */
  snapshot(): LiveSnapshot {
    this.seq += 1;
    const engines = this.source.engines();
    const policy = this.source.currentPolicy();
    const at = new Date(policy?.now() ?? Date.now()).toISOString();
    if (policy === null) {
      return { seq: this.seq, role: 'standby', status: null, statePath: null, transitions: [], engines: engineViews(engines, null), windows: null, at };
    }
    const state = policy.state();
    const now = policy.now();
    const status = statusOf(state, { role: 'leader', now, leaderEpoch: this.source.leaderEpoch() });
    const { context } = state;
    const transitions = context.history.map(transitionJson);
    return {
      seq: this.seq,
      role: 'leader',
      status,
      statePath: statePath(state.value),
      transitions,
      engines: engineViews(engines, context.probeHealthy),
      windows: windowsView(context, now),
      at,
    };
  }

  /** Something outside the actor changed (an engine's faults): send a snapshot soon. */
  changed(): void {
    this.stateChanged = true;
    if (this.clients.size > 0) this.coalescer.request();
  }

  /**
   * A new stream for one page: `hello`, a snapshot and the whole log, then changes as they come.
   * `live` is false when it ended at once (a standby, or a stopped actor): the answer should then
   * close its connection, or a page polling a stopping service would keep it alive.
   */
  open(): { readonly stream: ReadableStream<Uint8Array>; readonly live: boolean } {
    let client: Client | null = null;
    const stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          const { hello, log } = this.source;
          const update: LogUpdate = { entries: log.entries(), limit: log.limit };
          const policy = this.source.currentPolicy();
          let text =
            formatSse({ event: STREAM_EVENTS.hello, data: JSON.stringify(hello) }) +
            this.snapshotMessage() +
            formatSse({ event: STREAM_EVENTS.log, data: JSON.stringify(update) });
          if (policy === null || !policy.isRunning()) {
            text += closingMessage(policy === null ? 'standby' : 'stopped');
            controller.enqueue(encoder.encode(text));
            controller.close();
            return;
          }
          if (this.watch !== null && this.watch.policy !== policy) this.closeAll('policy-changed');
          controller.enqueue(encoder.encode(text));
          client = { controller };
          this.clients.add(client);
          this.watch ??= this.startWatching(policy);
        },
        cancel: () => {
          if (client !== null) this.drop(client);
        },
      },
      { highWaterMark: this.maxQueued },
    );
    // `start` ran inside the constructor: whether the page was taken on is known now.
    return { stream, live: client !== null };
  }

  /** Ends every stream (`closing`, reason `stopped`); pages reconnect by themselves. */
  close(): void {
    this.closeAll('stopped');
  }

  private closeAll(reason: ClosingReason): void {
    const closing = encoder.encode(closingMessage(reason));
    for (const client of [...this.clients]) {
      this.send(client, closing);
      this.drop(client);
      try {
        client.controller.close();
      } catch {
        // Already closed by the reader going away.
      }
    }
  }

  private snapshotMessage(): string {
    const snapshot = this.snapshot();
    return formatSse({ event: STREAM_EVENTS.snapshot, id: snapshot.seq, data: JSON.stringify(snapshot) });
  }

  private startWatching(policy: FeedPolicy): Watch {
    const { log } = this.source;
    const unsubscribePolicy = policy.subscribe(() => this.changed());
    const unsubscribeLog = log.subscribe((entry) => {
      this.pendingLog.set(entry.id, entry);
      this.coalescer.request();
    });
    const heartbeat = encoder.encode(formatSseComment('heartbeat'));
    const stopHeartbeat = every(this.clock, this.heartbeatMs, () => this.broadcast(heartbeat));
    const stopWatchdog = every(this.clock, this.watchdogMs, () => {
      if (!policy.isRunning()) this.closeAll('stopped');
      else if (this.source.currentPolicy() !== policy) this.closeAll('policy-changed');
    });
    return {
      policy,
      stop: () => {
        unsubscribePolicy();
        unsubscribeLog();
        stopHeartbeat();
        stopWatchdog();
        this.coalescer.cancel();
        this.pendingLog.clear();
        this.stateChanged = false;
      },
    };
  }

  private drop(client: Client): void {
    if (!this.clients.delete(client)) return;
    if (this.clients.size === 0) {
      this.watch?.stop();
      this.watch = null;
    }
  }

  private flush(): void {
    let text = '';
    if (this.stateChanged) {
      this.stateChanged = false;
      text += this.snapshotMessage();
    }
    if (this.pendingLog.size > 0) {
      const update: LogUpdate = { entries: [...this.pendingLog.values()], limit: this.source.log.limit };
      this.pendingLog.clear();
      text += formatSse({ event: STREAM_EVENTS.log, data: JSON.stringify(update) });
    }
    if (text !== '') this.broadcast(encoder.encode(text));
  }

  private broadcast(chunk: Uint8Array): void {
    for (const client of [...this.clients]) this.send(client, chunk);
  }

  private send(client: Client, chunk: Uint8Array): void {
    const { controller } = client;
    // A page that has not read this many messages is gone or stuck: drop it instead of buffering.
    if (controller.desiredSize !== null && controller.desiredSize <= 0) {
      this.drop(client);
      try {
        controller.error(new Error('the inspector page fell too far behind the live stream'));
      } catch {
        // Already closed.
      }
      return;
    }
    try {
      controller.enqueue(chunk);
    } catch {
      this.drop(client);
    }
  }
}
