/**
 * The HTTP API (contract section 5): a thin layer that reads the policy's status and sends
 * operator commands. Dependencies come in; nothing here is global.
 */
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import type { Logger } from '../log.js';
import type { CommandResult, PolicyControl } from '../policy/control.js';
import type { DeadLetters } from '../signals/deadLetters.js';
import type { PositionLedger } from '../signals/positions.js';
import { auditWrites, noteAudit, type AuditEntry } from './audit.js';
import { mountAuditRoutes, type AuditTrail } from './auditRoutes.js';
import { refuseCrossSiteWrites, requireBearerToken } from './auth.js';
import { BODY_TOO_LARGE, MAX_ADMIN_BODY_BYTES, readJson } from './body.js';
import { mountDeadLetterRoutes } from './deadLetterRoutes.js';
import { mountMaintenanceRoutes } from './maintenanceRoutes.js';
import { requireLoopbackHost } from './hostGuard.js';

/** What the app needs. */
export interface AppDeps {
  readonly control: PolicyControl;
  /** True when Redis answers. */
  readonly redisReady: () => Promise<boolean>;
  readonly metrics: Registry;
  readonly adminToken: string | undefined;
  readonly log: Logger;
  /** Mounts extra routes (the inspector) on the app before the fallbacks. */
  readonly extend?: (app: Hono) => void;
  /** The position ledger (`EXECUTION_POSITION_AFFINITY`); null when affinity is off. */
  readonly positions?: PositionLedger | null;
  /** The dead-letter stream; null without Redis. */
  readonly deadLetters?: DeadLetters | null;
  /** Appends an admin write to `AUDIT_STREAM`; default: the log only. */
  readonly audit?: (entry: AuditEntry) => Promise<unknown>;
  /** Reads `AUDIT_STREAM` back (`GET /admin/audit`); null without Redis. */
  readonly auditTrail?: AuditTrail | null;
}

const pauseBody = z.object({ reason: z.string().max(500, 'reason: at most 500 characters').optional().nullable() }).strict();
const switchBody = z.object({ engine: z.string({ error: 'engine: a string such as "quanttrader_pybroker"' }) }).strict();

function answer(c: Context, result: CommandResult): Response {
  return result.ok ? c.json(result.status) : c.json({ error: result.error }, result.httpStatus);
}

/** Builds the app; serve it with @hono/node-server or call `app.request()` in tests. */
export function createApp(deps: AppDeps): Hono {
  const { control, log } = deps;
  const app = new Hono();

  app.use('*', requireLoopbackHost({ enabled: deps.adminToken === undefined }));
  app.get('/health', (c) => c.json({ status: 'ok' }));
  app.get('/ready', async (c) => {
    const redis = await deps.redisReady().catch(() => false);
    const policy = control.isRunning();
    const ready = redis && policy;
    return c.json({ ready, redis, policy }, ready ? 200 : 503);
  });
  app.get('/metrics', async (c) => {
    c.header('Content-Type', deps.metrics.contentType);
    return c.body(await deps.metrics.metrics());
  });

  // Outermost of the admin guards, so that refused writes are recorded too.
  app.use('/admin/*', auditWrites({ record: deps.audit ?? (async (entry) => log.info({ audit: entry }, 'audit')), log }));
  app.use('/admin/*', refuseCrossSiteWrites());
  app.use('/admin/*', requireBearerToken({ token: deps.adminToken }));
  app.use(
    '/admin/*',
    bodyLimit({
      maxSize: MAX_ADMIN_BODY_BYTES,
      onError: (c) => c.json({ error: BODY_TOO_LARGE }, 413),
    }),
  );
  app.get('/admin/execution-status', async (c) => {
    try {
      return c.json(await control.status());
    } catch (error) {
      // A standby reads the status from Redis; while Redis is away it cannot answer.
      log.error({ err: error }, 'could not read the status');
      return c.json({ error: 'the status cannot be read right now (Redis unreachable?); try again' }, 503);
    }
  });
  app.post('/admin/execution/pause', async (c) => {
    const body = await readJson(c, true);
    if (!body.ok) return c.json({ error: body.error }, body.status);
    const parsed = pauseBody.safeParse(body.value);
    noteAudit(c, 'pause', body.value);
    if (!parsed.success) return c.json({ error: `bad pause request: ${z.prettifyError(parsed.error)}` }, 400);
    log.info({ reason: parsed.data.reason }, 'operator: pause');
    return answer(c, await control.pause(parsed.data.reason ?? ''));
  });
  app.post('/admin/execution/resume', async (c) => {
    const body = await readJson(c, true);
    if (!body.ok) return c.json({ error: body.error }, body.status);
    noteAudit(c, 'resume', body.value);
    log.info('operator: resume');
    return answer(c, await control.resume());
  });
  app.post('/admin/execution/switch', async (c) => {
    const body = await readJson(c, false);
    if (!body.ok) return c.json({ error: body.error }, body.status);
    const parsed = switchBody.safeParse(body.value);
    noteAudit(c, 'switch', body.value);
    if (!parsed.success) return c.json({ error: `bad switch request: ${z.prettifyError(parsed.error)}` }, 400);
    log.info({ engine: parsed.data.engine }, 'operator: switch');
    return answer(c, await control.switchTo(parsed.data.engine));
  });

  mountMaintenanceRoutes(app, { control, log });
  mountDeadLetterRoutes(app, { deadLetters: deps.deadLetters ?? null, log });
  mountAuditRoutes(app, { trail: deps.auditTrail ?? null, log });
  app.get('/admin/positions', async (c) => {
    // Without affinity no ledger is kept: whatever an earlier run left would mislead.
    if (deps.positions === undefined || deps.positions === null) return c.json({ positions: [] });
    try {
      return c.json({ positions: await deps.positions.all() });
    } catch (error) {
      log.error({ err: error }, 'could not read the position ledger');
      return c.json({ error: 'the position ledger cannot be read right now (Redis unreachable?); try again' }, 503);
    }
  });
  deps.extend?.(app);

  app.notFound((c) => c.json({ error: `no route for ${c.req.method} ${c.req.path}` }, 404));
  app.onError((error, c) => {
    log.error({ err: error, path: c.req.path }, 'request failed');
    return c.json({ error: 'the request could not be handled; see the service log' }, 500);
  });
  return app;
}
