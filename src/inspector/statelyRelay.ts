/**
 * `INSPECT_WS_URL`: the actor's inspection events also go to a Stately inspector relay over
 * WebSocket (`@statelyai/inspect`), for people who use stately.ai's inspector. The connection is
 * the library's: it holds up to 200 events while connecting and retries a failed connection every
 * five seconds.
 */
import { createWebSocketInspector } from '@statelyai/inspect';
import type { InspectionEvent } from 'xstate';
import type { Logger } from '../log.js';

/** A running relay connection. */
export interface StatelyRelay {
  /** Takes one inspection event. */
  readonly inspect: (event: InspectionEvent) => void;
  /** Closes the connection. */
  stop(): void;
}

/** What a relay is built on: `@statelyai/inspect`'s WebSocket inspector, or a stand-in in tests. */
export type WebSocketInspectorFactory = (options: { url: string }) => {
  readonly inspect: { next?: (event: InspectionEvent) => void };
  stop(): void;
};

/** The URL as it may be logged: no user, password or query (a relay URL may carry a key). */
export function relayUrlForLog(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return '(unparsable URL)';
  }
}

/** Connects to the relay at `url` and forwards every inspection event to it. */
export function createStatelyRelay(url: string, log: Logger, factory: WebSocketInspectorFactory = createWebSocketInspector): StatelyRelay {
  const inspector = factory({ url });
  log.info({ relay: relayUrlForLog(url) }, 'inspection events also go to the Stately inspector relay (INSPECT_WS_URL)');
  return {
    inspect: (event) => inspector.inspect.next?.(event),
    stop: () => inspector.stop(),
  };
}
