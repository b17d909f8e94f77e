/**
 * The one interface the execution manager sees of an engine. It cannot tell an `http://` bridge
 * from a `sim://` engine.
 */
import type { EngineId } from '../../machines/engines.js';
import type { Signal } from '../signals/signal.js';

/** Who is calling: the leader term's epoch, sent as `X-Leader-Epoch` with every request (contract section 7). */
export interface EngineCall {
  /**
   * A non-negative safe integer. A fencing bridge remembers the highest epoch it has seen, on any
   * request, and refuses orders carrying a lower one; so health probes and lookups carry it too.
   */
  readonly epoch: number;
}

/** How one attempt to execute a signal ended, as the bridge protocol classifies it. */
export type ExecutionResult =
  /** 2xx: the order was placed; `report` is the engine's JSON answer. */
  | { readonly kind: 'executed'; readonly report: unknown; readonly latencyMs: number }
  /** 4xx other than 408/429: the signal is bad, the engine is fine. */
  | { readonly kind: 'rejected'; readonly status: number; readonly reason: string; readonly report: unknown }
  /**
   * An engine failure. `unknownOutcome` is true when the engine may have placed the order
   * (timeout, connection dropped after sending): the signal must be settled with it first.
   */
  | { readonly kind: 'failed'; readonly reason: string; readonly unknownOutcome: boolean };

/** Whether an engine executed a signal, asked with `GET {base}/orders/{signal_id}`. */
export type OrderLookup =
  | { readonly kind: 'executed'; readonly report: unknown }
  | { readonly kind: 'not_found' }
  /** No usable answer (timeout, 5xx, refused): ask again later. */
  | { readonly kind: 'unknown'; readonly reason: string };

/** An execution engine bound to one engine id. */
export interface ExecutionEngine {
  readonly id: EngineId;
  /** The URL it was configured with, for logs and status; never contains credentials. */
  readonly url: string;
  /** Sends the signal once, with `Idempotency-Key: <signal_id>`. Never throws: failures are results. */
  execute(signal: Signal, call: EngineCall): Promise<ExecutionResult>;
  /** `GET {base}/health`: true for 200 in time, false for anything else. Never throws. */
  health(call: EngineCall): Promise<boolean>;
  /** `GET {base}/orders/{signal_id}`. Never throws. */
  lookup(signalId: string, call: EngineCall): Promise<OrderLookup>;
}
