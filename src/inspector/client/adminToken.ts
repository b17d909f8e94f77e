/**
 * The admin token, when the service has one: asked for once, kept in this tab's session storage
 * (gone when the tab closes), and sent only as an `Authorization` header.
 */

const STORAGE_KEY = 'execution-failover.inspector.admin-token';

/** Where the page keeps the token. */
export class AdminToken {
  private readonly listeners = new Set<() => void>();
  /** Where the token lives when session storage is disabled: until the page reloads. */
  private fallback: string | null = null;

  /** `required`: the service said it has an `ADMIN_TOKEN`. */
  constructor(readonly required: boolean) {}

  /** The token, or null when none was given. */
  get(): string | null {
    try {
      return sessionStorage.getItem(STORAGE_KEY) ?? this.fallback;
    } catch {
      return this.fallback;
    }
  }

  /** Keeps `token` and tells the listeners (the stream reconnects with it). */
  set(token: string): void {
    try {
      sessionStorage.setItem(STORAGE_KEY, token);
    } catch {
      // Storage can be disabled; the token then lasts until the page reloads.
      this.fallback = token;
    }
    this.changed();
  }

  /** Forgets the token. */
  clear(): void {
    try {
      sessionStorage.removeItem(STORAGE_KEY);
    } catch {
      // Nothing stored.
    }
    this.fallback = null;
    this.changed();
  }

  /** Whether a request can be made now: no token needed, or one given. */
  ready(): boolean {
    return !this.required || this.get() !== null;
  }

  /** The headers that authenticate a request. */
  headers(): Record<string, string> {
    const token = this.get();
    return token === null ? {} : { Authorization: `Bearer ${token}` };
  }

  /** Calls `listener` whenever the token is set or forgotten. */
  onChange(listener: () => void): void {
    this.listeners.add(listener);
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}

/** The answer of a JSON request: the parsed body, or the service's error sentence. */
export type JsonAnswer =
  { readonly ok: true; readonly status: number; readonly body: unknown } | { readonly ok: false; readonly status: number; readonly error: string };

function errorOf(body: unknown, status: number): string {
  if (typeof body === 'object' && body !== null && 'error' in body && typeof body.error === 'string') return body.error;
  return `the service answered HTTP ${status}`;
}

/** Sends one request and reads its JSON answer, whatever the method; never throws. */
async function requestJson(path: string, init: RequestInit): Promise<JsonAnswer> {
  let response: Response;
  try {
    response = await fetch(path, { ...init, cache: 'no-store' });
  } catch (error) {
    return { ok: false, status: 0, error: `the service did not answer (${error instanceof Error ? error.message : String(error)})` };
  }
  let parsed: unknown = null;
  try {
    parsed = await response.json();
  } catch {
    // An answer without JSON: the status says enough.
  }
  return response.ok ? { ok: true, status: response.status, body: parsed } : { ok: false, status: response.status, error: errorOf(parsed, response.status) };
}

/** A JSON POST (or PUT, DELETE) to this service with the token's headers; never throws. */
export function postJson(path: string, body: unknown, token: AdminToken, method: 'POST' | 'PUT' | 'DELETE' = 'POST'): Promise<JsonAnswer> {
  return requestJson(path, { method, headers: { 'Content-Type': 'application/json', ...token.headers() }, body: JSON.stringify(body) });
}

/** A JSON GET from this service with the token's headers; never throws. */
export function getJson(path: string, token: AdminToken): Promise<JsonAnswer> {
  return requestJson(path, { headers: { Accept: 'application/json', ...token.headers() } });
}
