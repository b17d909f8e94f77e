/**
 * `GET /admin/audit?count=N`: the most recent operator actions of `AUDIT_STREAM`, newest first, so
 * that the inspector (and anyone with the admin token) can see who paused what without
 * `redis-cli`. Reading it needs the admin token like every `/admin/*` route: the entries name
 * clients' addresses.
 */
import type { Hono } from 'hono';
import type { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import type { AuditEntry } from './audit.js';

/** One entry as the API shows it: the stream's fields and its id. */
export interface AuditRecord extends AuditEntry {
  readonly id: string;
}

/** Reads the audit stream. */
export interface AuditTrail {
  /** The `count` newest entries, newest first. */
  recent(count: number): Promise<AuditRecord[]>;
}

export const DEFAULT_AUDIT_COUNT = 50;
export const MAX_AUDIT_COUNT = 1000;

/** The trail of `AUDIT_STREAM` in Redis. */
export function redisAuditTrail(redis: Redis, stream: string): AuditTrail {
  return {
    async recent(count) {
      const entries = await redis.xrevrange(stream, '+', '-', 'COUNT', count);
      return entries.map(([id, values]) => {
        const fields = new Map<string, string>();
        for (let index = 0; index + 1 < values.length; index += 2) fields.set(values[index] ?? '', values[index + 1] ?? '');
        const field = (name: string): string => fields.get(name) ?? '';
        return { id, action: field('action'), params: field('params'), result: field('result'), remote: field('remote'), at: field('at') };
      });
    },
  };
}

/** Mounts the route; `trail` is null without Redis (the demo's in-process queue). */
export function mountAuditRoutes(app: Hono, deps: { readonly trail: AuditTrail | null; readonly log: Logger }): void {
  const { trail, log } = deps;
  app.get('/admin/audit', async (c) => {
    if (trail === null)
      return c.json({ error: 'the audit stream is in Redis, and this instance runs without Redis: its operator actions are in the log' }, 503);
    const { count } = c.req.query();
    const size = count === undefined || count === '' ? DEFAULT_AUDIT_COUNT : Number(count);
    if (!Number.isInteger(size) || size < 1 || size > MAX_AUDIT_COUNT) return c.json({ error: `count: a whole number from 1 to ${MAX_AUDIT_COUNT}` }, 400);
    try {
      return c.json({ entries: await trail.recent(size) });
    } catch (error) {
      log.error({ err: error }, 'could not read the audit stream');
      return c.json({ error: 'the audit stream cannot be read right now (Redis unreachable?); try again' }, 503);
    }
  });
}
