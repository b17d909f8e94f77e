/**
 * The adapter for an engine bridge over HTTP (contract section 4). It sends each signal once and
 * classifies the answer; retries, settling and failover belong to the execution manager.
 */
import type { EngineId } from '../../machines/engines.js';
import type { Signal } from '../signals/signal.js';
import { readBoundedText, type BoundedText } from './boundedBody.js';
import { executionResultOf, lookupResultOf, parseBody, type BridgeAnswer } from './bridgeAnswer.js';
import { classifyFetchFailure } from './fetchFailure.js';
import { engineUrlError, withoutCredentials } from './redactUrl.js';
import type { EngineCall, ExecutionEngine, ExecutionResult, OrderLookup } from './types.js';

/** How to reach one engine bridge. */
export interface HttpBridgeOptions {
  readonly id: EngineId;
  /** `http://` or `https://` base URL; may carry a path and `user:password@` (sent as Basic auth). */
  readonly url: string;
  /** Bounds each call from sending until the whole answer is read (`ENGINE_TIMEOUT_MS`). */
  readonly timeoutMs: number;
}

/** `base` with `path` appended below its own path, whether or not `base` ends in a slash. */
function endpoint(base: URL, path: string): string {
  const url = new URL(base.href);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/${path}`;
  return url.href;
}

function basicAuthorization(url: URL): string | undefined {
  if (url.username === '' && url.password === '') return undefined;
  const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  return `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
}

/** The `X-Leader-Epoch` value: a decimal integer, so an epoch a bridge could misread is never sent. */
function epochHeader(call: EngineCall): string {
  const { epoch } = call;
  if (!Number.isSafeInteger(epoch) || epoch < 0) {
    throw new RangeError(`the leader epoch must be a whole number ≥ 0, got ${epoch}`);
  }
  return String(epoch);
}

function parseBaseUrl(id: EngineId, text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch (error) {
    throw engineUrlError(id, text, 'not a valid URL', error);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw engineUrlError(id, text, `a bridge URL must start with http:// or https://, not ${url.protocol}`);
  }
  return url;
}

/**
 * An {@link ExecutionEngine} that speaks the bridge protocol: `POST {base}/orders`,
 * `GET {base}/health`, `GET {base}/orders/{signal_id}`. Throws only at creation, for a bad URL or
 * timeout; its methods never throw.
 */
export function createHttpBridge(options: HttpBridgeOptions): ExecutionEngine {
  const { id, timeoutMs } = options;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw engineUrlError(id, options.url, `the timeout must be a positive number of milliseconds, got ${timeoutMs}`);
  }
  const configured = parseBaseUrl(id, options.url);
  const authorization = basicAuthorization(configured);
  const base = new URL(withoutCredentials(configured));
  base.search = '';
  base.hash = '';

  /** Every request says which leader term sends it (contract section 7); throws for a bad epoch. */
  function headers(call: EngineCall, extra: Record<string, string> = {}): Record<string, string> {
    const all: Record<string, string> = { Accept: 'application/json', 'X-Leader-Epoch': epochHeader(call), ...extra };
    if (authorization !== undefined) all.Authorization = authorization;
    return all;
  }

  /**
   * One call, read to the end or to 1 MiB under one deadline; a longer body is left unread and its
   * connection dropped. Redirects are not followed: a redirected POST would turn into a GET and
   * silently lose the order.
   */
  async function call(request: Request): Promise<BridgeAnswer> {
    const response = await fetch(request);
    let read: BoundedText;
    try {
      read = await readBoundedText(response.body);
    } catch (error) {
      // A 2xx cut short leaves its outcome to a lookup; any other status already said what happened.
      if (response.ok) throw error;
      read = { text: '', truncated: false };
    }
    return {
      status: response.status,
      statusText: response.statusText,
      body: parseBody(read.text),
      truncated: read.truncated,
    };
  }

  function request(path: string, init: RequestInit): Request {
    return new Request(endpoint(base, path), { ...init, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
  }

  async function execute(signal: Signal, engineCall: EngineCall): Promise<ExecutionResult> {
    let prepared: Request;
    try {
      prepared = request('orders', {
        method: 'POST',
        headers: headers(engineCall, { 'Content-Type': 'application/json', 'Idempotency-Key': signal.signal_id }),
        body: JSON.stringify(signal),
      });
    } catch (error) {
      // Nothing left the process: the signal, its id or the epoch cannot be put on the wire.
      const detail = error instanceof Error ? error.message : String(error);
      return { kind: 'failed', reason: `could not build the request: ${detail}`, unknownOutcome: false };
    }
    const started = performance.now();
    let answer: BridgeAnswer;
    try {
      answer = await call(prepared);
    } catch (error) {
      const failure = classifyFetchFailure(error, timeoutMs);
      return { kind: 'failed', reason: failure.reason, unknownOutcome: failure.unknownOutcome };
    }
    return executionResultOf(answer, engineCall, performance.now() - started);
  }

  async function health(engineCall: EngineCall): Promise<boolean> {
    try {
      const answer = await call(request('health', { method: 'GET', headers: headers(engineCall) }));
      return answer.status === 200;
    } catch {
      return false;
    }
  }

  async function lookup(signalId: string, engineCall: EngineCall): Promise<OrderLookup> {
    if (signalId === '.' || signalId === '..') {
      // URL parsers resolve these (even percent-encoded) as dot segments, so a 404 would come from
      // another path and wrongly free the signal.
      return { kind: 'unknown', reason: `signal id "${signalId}" cannot be looked up in a URL path` };
    }
    let prepared: Request;
    try {
      prepared = request(`orders/${encodeURIComponent(signalId)}`, { method: 'GET', headers: headers(engineCall) });
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      return { kind: 'unknown', reason: `could not build the request: ${detail}` };
    }
    let answer: BridgeAnswer;
    try {
      answer = await call(prepared);
    } catch (error) {
      return { kind: 'unknown', reason: classifyFetchFailure(error, timeoutMs).reason };
    }
    return lookupResultOf(answer, engineCall);
  }

  return { id, url: withoutCredentials(configured), execute, health, lookup };
}
