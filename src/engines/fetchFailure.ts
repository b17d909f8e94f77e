/**
 * Tells, from the error `fetch` (undici) rejected with, whether the request may have reached the
 * engine. This decides between "failed, not placed" and "failed, outcome unknown", so when in doubt
 * it answers "may have been sent": a needless lookup is cheap, a double execution is not.
 */

/** How a request that got no HTTP answer failed. */
export interface FetchFailure {
  /** True when the engine may have received (and acted on) the request. */
  readonly unknownOutcome: boolean;
  /** Human-readable, for logs and outcome records. */
  readonly reason: string;
}

/** Codes that only arise before a connection exists, so nothing was sent. */
const NOT_SENT_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EAI_NONAME',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENETDOWN',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
  // undici writes the request only after the TLS handshake succeeded.
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** System calls that happen before the request is written. */
const NOT_SENT_SYSCALLS: ReadonlySet<string> = new Set(['connect', 'getaddrinfo']);

/** Plain-language names for the codes operators will meet most. */
const DESCRIPTIONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed temporarily',
  UND_ERR_CONNECT_TIMEOUT: 'connect timed out',
  UND_ERR_SOCKET: 'connection dropped after the request was sent',
  ECONNRESET: 'connection reset after the request was sent',
  EPIPE: 'connection closed while the request was being sent',
};

interface ErrorDetails {
  readonly code?: string;
  readonly syscall?: string;
  readonly message: string;
}

function detailsOf(value: unknown): ErrorDetails | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const code = 'code' in value && typeof value.code === 'string' ? value.code : undefined;
  const syscall = 'syscall' in value && typeof value.syscall === 'string' ? value.syscall : undefined;
  const message = 'message' in value && typeof value.message === 'string' ? value.message : Object.prototype.toString.call(value);
  return { code, syscall, message };
}

function isTimeout(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'name' in error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

function wasNotSent(details: ErrorDetails): boolean {
  if (details.code !== undefined && NOT_SENT_CODES.has(details.code)) return true;
  if (details.syscall !== undefined && NOT_SENT_SYSCALLS.has(details.syscall)) return true;
  // fetch refuses some ports (the "bad ports" of the Fetch standard) before connecting.
  return details.code === undefined && details.message === 'bad port';
}

/** The low-level errors behind a fetch error; happy-eyeballs connects wrap several in an AggregateError. */
function causesOf(error: unknown): ErrorDetails[] {
  const cause = typeof error === 'object' && error !== null && 'cause' in error ? error.cause : undefined;
  if (cause instanceof AggregateError && cause.errors.length > 0) {
    return cause.errors.flatMap((inner) => detailsOf(inner) ?? []);
  }
  const details = detailsOf(cause);
  return details === undefined ? [] : [details];
}

function describe(details: ErrorDetails): string {
  const plain = details.code === undefined ? undefined : DESCRIPTIONS[details.code];
  const code = details.code === undefined ? '' : `${details.code}: `;
  return plain === undefined ? `${code}${details.message}` : `${plain} (${code}${details.message})`;
}

/**
 * Classifies the error a `fetch` to an engine rejected with (after the request was handed to fetch).
 *
 * - refused, DNS failure, unreachable host, failed TLS handshake: not sent, `unknownOutcome: false`;
 * - timeout, connection dropped or reset after sending, response body cut off: `unknownOutcome: true`;
 * - anything unrecognised: `unknownOutcome: true`, the safe side.
 */
export function classifyFetchFailure(error: unknown, timeoutMs: number): FetchFailure {
  if (isTimeout(error)) {
    return { unknownOutcome: true, reason: `no answer within ${timeoutMs} ms` };
  }
  const causes = causesOf(error);
  if (causes.length > 0 && causes.every(wasNotSent)) {
    return { unknownOutcome: false, reason: causes.map(describe).join('; ') };
  }
  const [first] = causes;
  const own = detailsOf(error);
  const reason = first !== undefined ? describe(first) : (own?.message ?? 'unknown error');
  return { unknownOutcome: true, reason };
}
