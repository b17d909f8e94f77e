/**
 * The page's connection to the live stream: `fetch` with the admin token as a header, the body
 * read as server-sent events, and a reconnection with backoff whenever it drops (a service
 * restart, a network hiccup), saying so to the page.
 */
import { STREAM_EVENTS, type Closing, type ClosingReason, type Hello, type LiveSnapshot, type LogUpdate } from '../protocol.js';
import type { AdminToken } from './adminToken.js';
import { SseParser } from './sseParser.js';

/** Where the connection stands, for the page's status badge. */
export type ConnectionStatus =
  | { readonly kind: 'connecting' }
  | { readonly kind: 'live'; readonly hello: Hello; readonly restarted: boolean }
  | { readonly kind: 'reconnecting'; readonly attempt: number; readonly reason: string; readonly retryInMs: number }
  /** This instance is a standby: it drives no policy; the page checks again now and then. */
  | { readonly kind: 'standby'; readonly retryInMs: number }
  | { readonly kind: 'unauthorized'; readonly message: string };

/** What the page does with the stream. */
export interface LiveStreamHandlers {
  onStatus(status: ConnectionStatus): void;
  onSnapshot(snapshot: LiveSnapshot): void;
  onLog(update: LogUpdate): void;
}

/** The longest wait between two connection attempts. */
export const MAX_RECONNECT_DELAY_MS = 5000;

/** Reconnection delays: quick at first, then every five seconds. */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(MAX_RECONNECT_DELAY_MS, 250 * 2 ** Math.max(0, attempt - 1));
}

/** Attempts after which a standby answer is taken for what it says. */
const STANDBY_AFTER_ATTEMPTS = 5;

const CLOSING_TEXT: Record<ClosingReason, string> = {
  stopped: 'the service is stopping',
  'policy-changed': 'a new leader term started',
  standby: 'this instance is a standby',
};

/** Why the service refused the stream: its JSON `error` (such as too many pages open), else the status. */
async function refusalOf(response: Response): Promise<string> {
  const status = `the service answered HTTP ${response.status}`;
  try {
    const body: unknown = await response.json();
    if (typeof body === 'object' && body !== null && 'error' in body && typeof body.error === 'string') return `${status}: ${body.error}`;
  } catch {
    // Not JSON: the status says enough.
  }
  return status;
}

/** What one connection has learnt so far. */
interface Connection {
  hello: Hello | null;
  live: boolean;
  readonly onLive: () => void;
}

type Outcome = { readonly kind: 'ended' | 'unauthorized'; readonly reason: string } | { readonly kind: 'standby' } | { readonly kind: 'restarted' };

/** The live stream of one page. */
export class LiveStream {
  private abort: AbortController | null = null;
  private wake: (() => void) | null = null;
  private instance: string | null = null;
  private running = false;

  constructor(
    private readonly url: string,
    private readonly token: AdminToken,
    private readonly handlers: LiveStreamHandlers,
  ) {}

  /** Connects, and keeps reconnecting until the page closes. */
  start(): void {
    if (this.running) return;
    this.running = true;
    void this.run();
  }

  /** Drops the connection and connects again at once (the token changed). */
  restart(): void {
    this.abort?.abort();
    this.wake?.();
  }

  private async run(): Promise<void> {
    let attempt = 0;
    for (;;) {
      if (!this.token.ready()) {
        this.handlers.onStatus({ kind: 'unauthorized', message: 'enter the admin token to connect' });
        await this.sleep(Number.POSITIVE_INFINITY);
        continue;
      }
      if (attempt === 0) this.handlers.onStatus({ kind: 'connecting' });
      const outcome = await this.connectOnce(() => {
        attempt = 0;
      });
      if (outcome.kind === 'unauthorized') {
        this.handlers.onStatus({ kind: 'unauthorized', message: outcome.reason });
        await this.sleep(Number.POSITIVE_INFINITY);
        attempt = 0;
        continue;
      }
      if (outcome.kind === 'restarted') {
        attempt = 0;
        continue;
      }
      // Right after a live stream ended, "standby" most likely means the service is stopping (it
      // steps down first): say "reconnecting" until the answer has stayed the same for a while.
      if (outcome.kind === 'standby' && (attempt === 0 || attempt >= STANDBY_AFTER_ATTEMPTS)) {
        this.handlers.onStatus({ kind: 'standby', retryInMs: MAX_RECONNECT_DELAY_MS });
        await this.sleep(MAX_RECONNECT_DELAY_MS);
        continue;
      }
      attempt += 1;
      const retryInMs = reconnectDelayMs(attempt);
      const reason = outcome.kind === 'standby' ? 'this instance does not lead now' : outcome.reason;
      this.handlers.onStatus({ kind: 'reconnecting', attempt, reason, retryInMs });
      await this.sleep(retryInMs);
    }
  }

  /** One connection, until it ends; `onLive` runs once it carries a leader's live data. */
  private async connectOnce(onLive: () => void): Promise<Outcome> {
    const abort = new AbortController();
    this.abort = abort;
    const connection: Connection = { hello: null, live: false, onLive };
    try {
      const response = await fetch(this.url, {
        headers: { Accept: 'text/event-stream', ...this.token.headers() },
        cache: 'no-store',
        signal: abort.signal,
      });
      if (response.status === 401) return { kind: 'unauthorized', reason: 'the admin token was refused' };
      if (!response.ok || response.body === null) return { kind: 'ended', reason: await refusalOf(response) };
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      const parser = new SseParser();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return { kind: 'ended', reason: 'the service closed the stream' };
        for (const event of parser.push(value)) {
          if (event.event === STREAM_EVENTS.closing) {
            const { reason } = JSON.parse(event.data) as Closing;
            return reason === 'standby' ? { kind: 'standby' } : { kind: 'ended', reason: CLOSING_TEXT[reason] ?? reason };
          }
          this.dispatch(connection, event.event, event.data);
        }
      }
    } catch (error) {
      if (abort.signal.aborted) return { kind: 'restarted' };
      return { kind: 'ended', reason: error instanceof Error ? error.message : String(error) };
    } finally {
      abort.abort();
    }
  }

  private dispatch(connection: Connection, event: string, data: string): void {
    switch (event) {
      case STREAM_EVENTS.hello:
        connection.hello = JSON.parse(data) as Hello;
        break;
      case STREAM_EVENTS.snapshot: {
        const snapshot = JSON.parse(data) as LiveSnapshot;
        this.handlers.onSnapshot(snapshot);
        // Live once a leader's data arrives: a standby's one snapshot is followed by `closing`.
        const { hello } = connection;
        if (snapshot.role === 'leader' && !connection.live && hello !== null) {
          connection.live = true;
          const restarted = this.instance !== null && this.instance !== hello.instance;
          this.instance = hello.instance;
          connection.onLive();
          this.handlers.onStatus({ kind: 'live', hello, restarted });
        }
        break;
      }
      case STREAM_EVENTS.log:
        this.handlers.onLog(JSON.parse(data) as LogUpdate);
        break;
      default:
        break;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = Number.isFinite(ms) ? setTimeout(done, ms) : undefined;
      this.wake = done;
    });
  }
}
