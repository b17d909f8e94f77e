/**
 * The audit trail of operator actions (contract section 5): every write under `/admin/*` (pause,
 * resume, switch, maintenance, dead-letter replay) is appended to `AUDIT_STREAM` with `action`,
 * `params` (JSON), `result` (`ok` or the error), `remote` (the client's address) and `at`.
 *
 * Handlers name their action and parameters with `noteAudit`; the middleware records the entry
 * once the answer is known, whatever it is, refusals included.
 */
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import type { Logger } from '../log.js';

/** One audit entry, as the stream keeps it. */
export interface AuditEntry {
  readonly action: string;
  readonly params: string;
  readonly result: string;
  readonly remote: string;
  readonly at: string;
}

/** What the handler of a write says about it. */
interface Noted {
  readonly action: string;
  readonly params: unknown;
}

const noted = new WeakMap<Request, Noted>();

/** Names the action a request performs and the parameters it was given. */
export function noteAudit(c: Context, action: string, params: unknown): void {
  noted.set(c.req.raw, { action, params });
}

/** The action of a write no handler named (refused before it got there): its method and path. */
function fallbackAction(c: Context): string {
  return `${c.req.method} ${c.req.path}`;
}

function remoteOf(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    // Not behind Node's HTTP server (app.request() in tests): no socket to ask.
    return 'unknown';
  }
}

async function resultOf(response: Response): Promise<string> {
  if (response.ok) return 'ok';
  try {
    const body: unknown = await response.clone().json();
    if (typeof body === 'object' && body !== null && 'error' in body && typeof body.error === 'string') return `${response.status}: ${body.error}`;
  } catch {
    // Not JSON: the status says enough.
  }
  return String(response.status);
}

/** Records every write under the path it is mounted on; a failing record is logged, never fatal. */
export function auditWrites(options: {
  readonly record: (entry: AuditEntry) => Promise<unknown>;
  readonly log: Logger;
  readonly now?: () => number;
}): MiddlewareHandler {
  const now = options.now ?? Date.now;
  return async function audit(c, next) {
    await next();
    if (c.req.method === 'GET' || c.req.method === 'HEAD' || c.req.method === 'OPTIONS') return;
    const what = noted.get(c.req.raw);
    const entry: AuditEntry = {
      action: what?.action ?? fallbackAction(c),
      params: JSON.stringify(what?.params ?? {}),
      result: await resultOf(c.res),
      remote: remoteOf(c),
      at: new Date(now()).toISOString(),
    };
    try {
      await options.record(entry);
    } catch (error) {
      options.log.error({ err: error, action: entry.action }, 'could not append to the audit stream');
    }
  };
}
