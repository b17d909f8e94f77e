/**
 * What an engine bridge's HTTP answer means (contract section 4), apart from the transport that got
 * it: the classification of an answer into an execution result or a lookup.
 */
import { ANSWER_LIMIT_BYTES } from './boundedBody.js';
import { TRUNCATED_REPORT, type EngineCall, type ExecutionResult, type OrderLookup } from './types.js';

/** A bridge answer, read. */
export interface BridgeAnswer {
  readonly status: number;
  readonly statusText: string;
  /** The body as JSON when it parses, else the text itself; cut at 1 MiB when `truncated`. */
  readonly body: unknown;
  /** The body was longer than 1 MiB; only that much was read. */
  readonly truncated: boolean;
}

/** The body as JSON when it parses, else the text itself (empty text stays empty). */
export function parseBody(text: string): unknown {
  if (text === '') return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function statusLine(answer: BridgeAnswer): string {
  return answer.statusText === '' ? `HTTP ${answer.status}` : `HTTP ${answer.status} ${answer.statusText}`;
}

/** The engine's own words (`error` or `message`), if it gave any. */
function engineWords(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  if ('error' in body && typeof body.error === 'string' && body.error !== '') return body.error;
  if ('message' in body && typeof body.message === 'string' && body.message !== '') return body.message;
  return undefined;
}

/** Tells an operator that the reason comes from part of a longer answer. */
function noteCut(answer: BridgeAnswer, reason: string): string {
  return answer.truncated ? `${reason} (answer cut at ${ANSWER_LIMIT_BYTES} bytes)` : reason;
}

/** The engine's own words for a refusal, else the status line. */
function reasonOf(answer: BridgeAnswer): string {
  return noteCut(answer, engineWords(answer.body) ?? statusLine(answer));
}

/** What a 200 or 2xx reports: the body, unless it was too long to read whole. */
function reportOf(answer: BridgeAnswer): unknown {
  return answer.truncated ? TRUNCATED_REPORT : answer.body;
}

function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}

/** 4xx other than 408, 409 and 429: the signal is bad, the engine is fine. */
function isRejection(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 409 && status !== 429;
}

interface Fence {
  readonly epoch: number;
  readonly reason: string;
}

/** The fence a 409 `{"error": "stale_epoch", "epoch": n}` raises; undefined for any other answer. */
function fenceOf(answer: BridgeAnswer, call: EngineCall): Fence | undefined {
  const { body } = answer;
  if (answer.status !== 409 || typeof body !== 'object' || body === null) return undefined;
  if (!('error' in body) || body.error !== 'stale_epoch') return undefined;
  const said = 'epoch' in body ? body.epoch : undefined;
  if (typeof said === 'number' && Number.isSafeInteger(said) && said >= 0) {
    return { epoch: said, reason: `fenced: the bridge has seen leader epoch ${said} (ours is ${call.epoch})` };
  }
  // The bridge says a higher epoch exists without a usable number: one above ours is the least it can be.
  return {
    epoch: call.epoch + 1,
    reason: `fenced: the bridge has seen a newer leader epoch than ours (${call.epoch}) and did not say which`,
  };
}

function inProgressReason(answer: BridgeAnswer): string {
  const words = engineWords(answer.body);
  return noteCut(answer, words === undefined ? 'HTTP 409: in progress' : `HTTP 409: in progress (${words})`);
}

/** What an answer to `POST {base}/orders` means; `latencyMs` from sending to the end of the answer. */
export function executionResultOf(answer: BridgeAnswer, call: EngineCall, latencyMs: number): ExecutionResult {
  const { status } = answer;
  // Only the status says whether the order was placed: a 2xx too long to read is still executed.
  if (isSuccess(status)) return { kind: 'executed', report: reportOf(answer), latencyMs };
  if (status === 409) {
    const fence = fenceOf(answer, call);
    if (fence !== undefined) return { kind: 'fenced', ...fence };
    return { kind: 'in_progress', reason: inProgressReason(answer) };
  }
  if (isRejection(status)) return { kind: 'rejected', status, reason: reasonOf(answer), report: answer.body };
  // 408, 429, 5xx, and redirects or other oddities: the engine answered without placing the order.
  const words = engineWords(answer.body);
  const line = statusLine(answer);
  return { kind: 'failed', reason: noteCut(answer, words === undefined ? line : `${line}: ${words}`), unknownOutcome: false };
}

/** What an answer to `GET {base}/orders/{signal_id}` means. */
export function lookupResultOf(answer: BridgeAnswer, call: EngineCall): OrderLookup {
  const { status } = answer;
  if (status === 200) return { kind: 'executed', report: reportOf(answer) };
  if (status === 404) return { kind: 'not_found' };
  if (status === 409) {
    const fence = fenceOf(answer, call);
    return fence === undefined ? { kind: 'in_progress' } : { kind: 'fenced', epoch: fence.epoch };
  }
  return { kind: 'unknown', reason: statusLine(answer) };
}
