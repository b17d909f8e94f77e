/**
 * `PUT`/`DELETE /admin/engines/{engine}/maintenance` (contract section 5): an operator takes an
 * engine out of service, optionally until a time, and puts it back. Both answer the status and are
 * audited like the other admin writes.
 */
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import type { Logger } from '../log.js';
import type { CommandResult, PolicyControl } from '../policy/control.js';
import { noteAudit } from './audit.js';
import { readJson } from './body.js';

const maintenanceBody = z
  .object({
    reason: z.string({ error: 'reason: a string' }).max(500, 'reason: at most 500 characters').optional().nullable(),
    until: z.string({ error: 'until: an ISO 8601 time as a string' }).optional().nullable(),
  })
  .strict();

function answer(c: Context, result: CommandResult): Response {
  return result.ok ? c.json(result.status) : c.json({ error: result.error }, result.httpStatus);
}

/** Mounts the maintenance routes on `app`. */
export function mountMaintenanceRoutes(app: Hono, deps: { readonly control: PolicyControl; readonly log: Logger }): void {
  app.put('/admin/engines/:engine/maintenance', async (c) => {
    const engine = c.req.param('engine');
    const body = await readJson(c, true);
    if (!body.ok) return c.json({ error: body.error }, body.status);
    noteAudit(c, 'maintenance', { engine, ...(typeof body.value === 'object' && body.value !== null ? body.value : {}) });
    const parsed = maintenanceBody.safeParse(body.value ?? {});
    if (!parsed.success) return c.json({ error: `bad maintenance request: ${z.prettifyError(parsed.error)}` }, 400);
    deps.log.info({ engine, reason: parsed.data.reason, until: parsed.data.until }, 'operator: maintenance on');
    return answer(c, await deps.control.startMaintenance(engine, parsed.data.reason ?? '', parsed.data.until ?? undefined));
  });
  app.delete('/admin/engines/:engine/maintenance', async (c) => {
    const engine = c.req.param('engine');
    noteAudit(c, 'maintenance_end', { engine });
    deps.log.info({ engine }, 'operator: maintenance off');
    return answer(c, await deps.control.endMaintenance(engine));
  });
}
