/**
 * `execution-failover maintenance` over real HTTP against a small Hono stub of the contract's
 * `PUT` and `DELETE /admin/engines/{engine}/maintenance` (section 5): the exact requests the
 * command sends and how it shows each answer, errors included. The service's maintenance through
 * the command is tested in operatorCommands.test.ts. The stub answers as the contract says: the status, 400
 * for an unknown engine or a past `until`, 409 to end a maintenance that is not on.
 */
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { captureIo, type CapturedIo } from '../support/cliIo.js';
import { serveApp, type ServedApp } from '../support/servedApp.js';

const ENGINES = ['lean_self_hosted', 'quanttrader_pybroker', 'nautilus_trader'] as const;
const TOKEN = 'maintenance-stub-token-0123456789';

interface Received {
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
  readonly authorization: string | undefined;
}

type Maintenance = { reason: string | null; until: string | null } | null;

/** The stub: the contract's answers, over an in-memory maintenance per engine. */
function maintenanceStub(received: Received[]): Hono {
  const maintenance: Record<string, Maintenance> = { lean_self_hosted: null, quanttrader_pybroker: null, nautilus_trader: null };
  const status = () => ({
    active_engine: maintenance.lean_self_hosted === null ? 'lean_self_hosted' : 'quanttrader_pybroker',
    primary_engine: 'lean_self_hosted',
    backup_engines: ['quanttrader_pybroker', 'nautilus_trader'],
    failure_counts: { lean_self_hosted: 0, quanttrader_pybroker: 0, nautilus_trader: 0 },
    engines_available: { lean_self_hosted: maintenance.lean_self_hosted === null, quanttrader_pybroker: true, nautilus_trader: true },
    state: maintenance.lean_self_hosted === null ? 'primaryActive' : 'backup1Active',
    paused: false,
    paused_reason: null,
    failover_enabled: true,
    failure_threshold: 5,
    recovery_timeout_seconds: 300,
    next_recovery_check_at: null,
    last_transition: null,
    role: 'leader',
    leader_epoch: 3,
    engines_maintenance: { ...maintenance },
  });
  const app = new Hono();
  app.use('*', async (c, next) => {
    const text = await c.req.text();
    received.push({ method: c.req.method, path: c.req.path, body: text === '' ? undefined : JSON.parse(text), authorization: c.req.header('authorization') });
    return next();
  });
  app.put('/admin/engines/:engine/maintenance', async (c) => {
    const engine = c.req.param('engine');
    if (!ENGINES.some((known) => known === engine)) return c.json({ error: `unknown engine "${engine}"` }, 400);
    const body = (received.at(-1)?.body ?? {}) as { reason?: string; until?: string };
    if (body.until !== undefined && Date.parse(body.until) <= Date.now()) return c.json({ error: 'until: a time in the future' }, 400);
    maintenance[engine] = { reason: body.reason ?? null, until: body.until ?? null };
    return c.json(status());
  });
  app.delete('/admin/engines/:engine/maintenance', (c) => {
    const engine = c.req.param('engine');
    if (!ENGINES.some((known) => known === engine)) return c.json({ error: `unknown engine "${engine}"` }, 400);
    if (maintenance[engine] === null) return c.json({ error: `${engine} is not in maintenance` }, 409);
    maintenance[engine] = null;
    return c.json(status());
  });
  return app;
}

const served: ServedApp[] = [];
afterEach(async () => {
  for (const app of served.splice(0)) await app.close();
});

async function stub(): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const app = await serveApp(maintenanceStub(received));
  served.push(app);
  return { url: app.url, received };
}

async function cli(args: readonly string[]): Promise<{ code: number } & CapturedIo> {
  const captured = captureIo({ ADMIN_TOKEN: TOKEN });
  const code = await runCli(args, captured.io);
  return { code, ...captured };
}

describe('maintenance', () => {
  it('--on sends PUT with the reason and until and the token, and shows the engine in maintenance', async () => {
    const { url, received } = await stub();
    const until = new Date(Date.now() + 3_600_000).toISOString();
    const { code, out, err } = await cli(['maintenance', 'lean_self_hosted', '--on', '--reason', 'broker upgrade', '--until', until, '--url', url]);
    expect(err).toEqual([]);
    expect(code).toBe(0);
    expect(received).toEqual([
      { method: 'PUT', path: '/admin/engines/lean_self_hosted/maintenance', body: { reason: 'broker upgrade', until }, authorization: `Bearer ${TOKEN}` },
    ]);
    expect(out[0]).toBe(`lean_self_hosted: in maintenance (broker upgrade), until ${until}`);
    expect(out).toContain('state:       backup1Active, signals go to quanttrader_pybroker');
    expect(out).toContain(`  lean_self_hosted      primary   failures 0/5    UNAVAILABLE  maintenance (broker upgrade, until ${until})`);
    expect([...out, ...err].join('\n')).not.toContain(TOKEN);
  });

  it('--on without --until lasts until --off; --off sends DELETE; --off again is refused with exit 1', async () => {
    const { url, received } = await stub();
    const on = await cli(['maintenance', 'nautilus_trader', '--on', '--url', url, '--json']);
    expect(on.code).toBe(0);
    expect(received[0]).toMatchObject({ method: 'PUT', body: {} });
    expect(JSON.parse(on.out[0] ?? '')).toMatchObject({ engines_maintenance: { nautilus_trader: { reason: null, until: null } } });

    const off = await cli(['maintenance', 'nautilus_trader', '--off', '--url', url]);
    expect(off.code).toBe(0);
    expect(received[1]).toEqual({ method: 'DELETE', path: '/admin/engines/nautilus_trader/maintenance', body: undefined, authorization: `Bearer ${TOKEN}` });
    expect(off.out[0]).toBe('nautilus_trader: maintenance ended');
    expect(off.out).toContain('  nautilus_trader       backup 2  failures 0/5    available');

    const again = await cli(['maintenance', 'nautilus_trader', '--off', '--url', url]);
    expect(again.code).toBe(1);
    expect(again.err[0]).toBe('maintenance: the service refused (409): nautilus_trader is not in maintenance');
  });

  it('shows the service refusing an unknown engine or a past until (exit 1)', async () => {
    const { url } = await stub();
    const unknown = await cli(['maintenance', 'no_such_engine', '--on', '--url', url]);
    expect(unknown.code).toBe(1);
    expect(unknown.err[0]).toBe('maintenance: the service refused (400): unknown engine "no_such_engine"');
    const past = await cli(['maintenance', 'lean_self_hosted', '--on', '--until', '2020-01-01T00:00:00Z', '--url', url]);
    expect(past.code).toBe(1);
    expect(past.err[0]).toContain('(400): until: a time in the future');
  });

  it('keeps the path of --url, for a service behind a proxy under a prefix', async () => {
    const received: Received[] = [];
    const app = await serveApp(new Hono().route('/failover', maintenanceStub(received)));
    served.push(app);
    const { code } = await cli(['maintenance', 'nautilus_trader', '--on', '--reason', 'prefixed', '--url', `${app.url}/failover`]);
    expect(code).toBe(0);
    expect(received.map((request) => [request.method, request.path])).toEqual([['PUT', '/failover/admin/engines/nautilus_trader/maintenance']]);
  });

  it.each([
    [['maintenance', 'lean_self_hosted'], 'say --on or --off'],
    [['maintenance', 'lean_self_hosted', '--on', '--off'], 'either --on or --off, not both'],
    [['maintenance', 'lean_self_hosted', '--off', '--reason', 'x'], '--reason and --until go with --on'],
    [['maintenance', 'lean_self_hosted', '--on', '--until', 'tomorrow'], '--until takes an ISO 8601 time'],
    [['maintenance', 'lean_self_hosted', '--on', '--until', '2026-13-45T99:00:00Z'], '--until is not a valid time'],
    [['maintenance', '--on'], '<engine> missing'],
  ])('%j: exit 2 before anything is sent', async (args, problem) => {
    const { url, received } = await stub();
    const { code, err } = await cli([...args, '--url', url]);
    expect(code).toBe(2);
    expect(err[0]).toContain(problem);
    expect(received).toEqual([]);
  });
});
