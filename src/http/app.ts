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
import { requireBearerToken } from './auth.js';

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
}

/** Largest admin request body accepted. */
export const MAX_ADMIN_BODY_BYTES = 16 * 1024;

const pauseBody = z.object({ reason: z.string().max(500, 'reason: at most 500 characters').optional().nullable() }).strict();
const switchBody = z.object({ engine: z.string({ error: 'engine: a string such as "quanttrader_pybroker"' }) }).strict();

/** Reads a JSON body (optional when `optional`); an absent body is `{}`. */
async function readJson(c: Context, optional: boolean): Promise<{ ok: true; value: unknown } | { ok: false; error: string }> {
  const text = await c.req.text();
  if (text.trim() === '') {
    return optional ? { ok: true, value: {} } : { ok: false, error: 'a JSON body is required' };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, error: 'the body is not valid JSON' };
  }
}

function answer(c: Context, result: CommandResult): Response {
  return result.ok ? c.json(result.status) : c.json({ error: result.error }, result.httpStatus);
}

/** Builds the app; serve it with @hono/node-server or call `app.request()` in tests. */
export function createApp(deps: AppDeps): Hono {
  const { control, log } = deps;
  const app = new Hono();

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

  app.use('/admin/*', requireBearerToken({ token: deps.adminToken }));
  app.use(
    '/admin/*',
    bodyLimit({
      maxSize: MAX_ADMIN_BODY_BYTES,
      onError: (c) => c.json({ error: `the body is larger than ${MAX_ADMIN_BODY_BYTES} bytes` }, 413),
    }),
  );
  app.get('/admin/execution-status', async (c) => c.json(await control.status()));
  app.post('/admin/execution/pause', async (c) => {
    const body = await readJson(c, true);
    if (!body.ok) return c.json({ error: body.error }, 400);
    const parsed = pauseBody.safeParse(body.value);
    if (!parsed.success) return c.json({ error: `bad pause request: ${z.prettifyError(parsed.error)}` }, 400);
    log.info({ reason: parsed.data.reason }, 'operator: pause');
    return answer(c, control.pause(parsed.data.reason ?? ''));
  });
  app.post('/admin/execution/resume', async (c) => {
    const body = await readJson(c, true);
    if (!body.ok) return c.json({ error: body.error }, 400);
    log.info('operator: resume');
    return answer(c, control.resume());
  });
  app.post('/admin/execution/switch', async (c) => {
    const body = await readJson(c, false);
    if (!body.ok) return c.json({ error: body.error }, 400);
    const parsed = switchBody.safeParse(body.value);
    if (!parsed.success) return c.json({ error: `bad switch request: ${z.prettifyError(parsed.error)}` }, 400);
    log.info({ engine: parsed.data.engine }, 'operator: switch');
    return answer(c, control.switchTo(parsed.data.engine));
  });

  deps.extend?.(app);

  app.notFound((c) => c.json({ error: `no route for ${c.req.method} ${c.req.path}` }, 404));
  app.onError((error, c) => {
    log.error({ err: error, path: c.req.path }, 'request failed');
    return c.json({ error: 'the request could not be handled; see the service log' }, 500);
  });
  return app;
}
