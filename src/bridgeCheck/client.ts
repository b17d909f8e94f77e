/**
 * The HTTP side of bridge-check: requests built as the service builds them (`X-Leader-Epoch` on
 * every request, `Idempotency-Key` on orders, Basic auth from the URL, no redirects followed) and
 * answers read as the service reads them (at most 1 MiB, classified by the service's own rules in
 * `src/engines/bridgeAnswer.ts`), so a bridge that passes the check is judged by the same code that
 * will drive it in production.
 */
import { readBoundedText } from '../engines/boundedBody.js';
import { executionResultOf, lookupResultOf, parseBody, type BridgeAnswer } from '../engines/bridgeAnswer.js';
import { classifyFetchFailure } from '../engines/fetchFailure.js';
import type { ExecutionResult, OrderLookup } from '../engines/types.js';

/** A request that got no HTTP answer: refused, timed out, dropped. */
export class NoAnswerError extends Error {
  /** True when the request may have reached the bridge (a timeout, a connection dropped after sending). */
  readonly mayHaveArrived: boolean;

  constructor(what: string, reason: string, mayHaveArrived: boolean, cause: unknown) {
    super(`${what}: ${reason}`, { cause });
    this.name = 'NoAnswerError';
    this.mayHaveArrived = mayHaveArrived;
  }
}

/** An answer to an order, with what the service would make of it. */
export interface OrderAnswer extends BridgeAnswer {
  readonly result: ExecutionResult;
}

/** An answer to a lookup, with what the service would make of it. */
export interface LookupAnswer extends BridgeAnswer {
  readonly result: OrderLookup;
}

/** `base` with `path` appended below its own path, whether or not `base` ends in a slash. */
function endpoint(base: URL, path: string): string {
  const url = new URL(base.href);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/${path}`;
  return url.href;
}

/** The bridge URL as given, checked: http(s) only, credentials moved to a Basic header. */
export interface BridgeTarget {
  readonly base: URL;
  readonly authorization: string | undefined;
  /** The URL without credentials, for output. */
  readonly shown: string;
}

/** Parses the `<url>` argument; throws a plain Error saying what is wrong. */
export function parseBridgeUrl(text: string): BridgeTarget {
  let url: URL;
  try {
    url = new URL(text);
  } catch (error) {
    throw new Error(`"${text}" is not a URL (expected something like http://127.0.0.1:8081)`, { cause: error });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`a bridge URL starts with http:// or https://, not ${url.protocol}`);
  }
  const authorization =
    url.username === '' && url.password === ''
      ? undefined
      : `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`, 'utf8').toString('base64')}`;
  const base = new URL(url.href);
  base.username = '';
  base.password = '';
  base.search = '';
  base.hash = '';
  return { base, authorization, shown: base.href.replace(/\/$/, '') };
}

/** Talks to one bridge. Every method throws {@link NoAnswerError} when no HTTP answer came. */
export class BridgeClient {
  readonly #target: BridgeTarget;
  readonly #timeoutMs: number;

  constructor(target: BridgeTarget, timeoutMs: number) {
    this.#target = target;
    this.#timeoutMs = timeoutMs;
  }

  /** `GET /health`. */
  health(epoch: number): Promise<BridgeAnswer> {
    return this.#send('GET /health', 'health', { method: 'GET', headers: this.#headers(epoch) });
  }

  /** `POST /orders` with `body` as JSON and `key` as the Idempotency-Key. */
  async order(body: unknown, key: string, epoch: number): Promise<OrderAnswer> {
    const answer = await this.#send(`POST /orders (Idempotency-Key ${key})`, 'orders', {
      method: 'POST',
      headers: this.#headers(epoch, { 'Content-Type': 'application/json', 'Idempotency-Key': key }),
      body: JSON.stringify(body),
    });
    // Latency does not matter here; the service's classification does.
    return { ...answer, result: executionResultOf(answer, { epoch }, 0) };
  }

  /** `GET /orders/{key}`. */
  async lookup(key: string, epoch: number): Promise<LookupAnswer> {
    const answer = await this.#send(`GET /orders/${key}`, `orders/${encodeURIComponent(key)}`, {
      method: 'GET',
      headers: this.#headers(epoch),
    });
    return { ...answer, result: lookupResultOf(answer, { epoch }) };
  }

  #headers(epoch: number, extra: Record<string, string> = {}): Record<string, string> {
    const headers: Record<string, string> = { Accept: 'application/json', 'X-Leader-Epoch': String(epoch), ...extra };
    if (this.#target.authorization !== undefined) headers.Authorization = this.#target.authorization;
    return headers;
  }

  async #send(what: string, path: string, init: RequestInit): Promise<BridgeAnswer> {
    const request = new Request(endpoint(this.#target.base, path), {
      ...init,
      redirect: 'manual',
      signal: AbortSignal.timeout(this.#timeoutMs),
    });
    let response: Response;
    try {
      response = await fetch(request);
      const read = await readBoundedText(response.body);
      return { status: response.status, statusText: response.statusText, body: parseBody(read.text), truncated: read.truncated };
    } catch (error) {
      const failure = classifyFetchFailure(error, this.#timeoutMs);
      throw new NoAnswerError(what, failure.reason, failure.unknownOutcome, error);
    }
  }
}

/** An answer in a few words for a FAIL line: its status and the start of its body. */
export function describeAnswer(answer: BridgeAnswer): string {
  const body = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
  const shown = body.length > 160 ? `${body.slice(0, 160)}…` : body;
  const cut = answer.truncated ? ' (longer than 1 MiB: cut there)' : '';
  return shown === '' ? `HTTP ${answer.status} with an empty body${cut}` : `HTTP ${answer.status} ${shown}${cut}`;
}
