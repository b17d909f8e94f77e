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
   * An adapter sends nothing with an epoch that is not one.
   */
  readonly epoch: number;
}

/** The report recorded for a 2xx answer longer than the 1 MiB the service reads (contract section 4). */
export const TRUNCATED_REPORT: { readonly truncated: true } = Object.freeze({ truncated: true });

/** How one attempt to execute a signal ended, as the bridge protocol classifies it (contract section 4). */
export type ExecutionResult =
  /**
   * 2xx: the order was placed. `report` is the engine's answer, JSON or else text, or
   * {@link TRUNCATED_REPORT} when the body was over 1 MiB. The manager records it `executed`.
   */
  | { readonly kind: 'executed'; readonly report: unknown; readonly latencyMs: number }
  /**
   * 4xx other than 408/409/429: the signal is bad, the engine is fine. The manager records it
   * `rejected` (dead-letter) and counts no failure. `report` is the body, cut at 1 MiB.
   */
  | { readonly kind: 'rejected'; readonly status: number; readonly reason: string; readonly report: unknown }
  /**
   * An engine failure, counted against the engine. `unknownOutcome: false` (408, 429, 5xx, 3xx,
   * connection refused): not placed, the signal is retried. `unknownOutcome: true` (timeout,
   * connection dropped after sending, a 2xx body cut off): the engine may have placed the order, so
   * the signal is settled with it by lookup before it may go anywhere else.
   */
  | { readonly kind: 'failed'; readonly reason: string; readonly unknownOutcome: boolean }
  /**
   * 409 other than `stale_epoch`: a request with this key is still in progress at the engine.
   * Unknown outcome, settled by lookup like one; NOT an engine failure.
   */
  | { readonly kind: 'in_progress'; readonly reason: string }
  /**
   * 409 `{"error": "stale_epoch", "epoch": n}`: a newer leader exists; the order was not placed and
   * no failure is counted. The manager sends nothing more, records no outcome (the signal stays
   * pending), ends its term and raises the stored epoch to at least `epoch` (contract section 7).
   * `epoch` is the bridge's when it said a usable one, else ours + 1.
   */
  | { readonly kind: 'fenced'; readonly epoch: number; readonly reason: string };

/** Whether an engine executed a signal, asked with `GET {base}/orders/{signal_id}` to settle an unknown outcome. */
export type OrderLookup =
  /** 200: executed there; `report` as for an execution ({@link TRUNCATED_REPORT} when over 1 MiB). */
  | { readonly kind: 'executed'; readonly report: unknown }
  /**
   * 404: no request received for that key will place it. It frees the signal only when given after
   * the attempt's send time plus `ENGINE_TIMEOUT_MS` (contract section 3); the manager checks that.
   */
  | { readonly kind: 'not_found' }
  /** 409 other than `stale_epoch`: the engine is still placing it; ask again later. */
  | { readonly kind: 'in_progress' }
  /** 409 `stale_epoch`: a newer leader exists; as for {@link ExecutionResult} `fenced`. */
  | { readonly kind: 'fenced'; readonly epoch: number }
  /** No usable answer (timeout, 5xx, refused, anything else): ask again later. */
  | { readonly kind: 'unknown'; readonly reason: string };

/** An execution engine bound to one engine id. */
export interface ExecutionEngine {
  readonly id: EngineId;
  /** The URL it was configured with, for logs and status; never contains credentials. */
  readonly url: string;
  /**
   * `POST {base}/orders`: sends the signal once, with `Idempotency-Key: <signal_id>`. Never throws:
   * failures are results.
   */
  execute(signal: Signal, call: EngineCall): Promise<ExecutionResult>;
  /** `GET {base}/health`: true for 200 in time, false for anything else. Never throws. */
  health(call: EngineCall): Promise<boolean>;
  /** `GET {base}/orders/{signal_id}`. Never throws. */
  lookup(signalId: string, call: EngineCall): Promise<OrderLookup>;
}
