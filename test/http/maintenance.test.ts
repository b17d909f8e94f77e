/**
 * `PUT`/`DELETE /admin/engines/{engine}/maintenance` through `app.request()` over a real policy
 * runtime on a simulated clock: the status they answer, the move away from an engine in use, the
 * end by `until`, the maintenance pause ending by itself, the 409 of a switch to an engine in
 * maintenance, and bad requests.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { StatusJson } from '../../src/policy/status.js';
import { HARNESS_START, callApp, startHttpHarness, type HttpHarness } from '../support/httpHarness.js';

const harnesses: HttpHarness[] = [];
afterEach(() => {
  for (const harness of harnesses.splice(0)) harness.stop();
});

function harness(): HttpHarness {
  const started = startHttpHarness();
  harnesses.push(started);
  return started;
}

const path = (engine: string) => `/admin/engines/${engine}/maintenance`;

async function put(h: HttpHarness, engine: string, body: unknown) {
  return callApp(h.app, path(engine), { method: 'PUT', body });
}

describe('engine maintenance over HTTP', () => {
  it('moves off the engine in use at once and shows the maintenance in the status', async () => {
    const h = harness();
    const until = new Date(HARNESS_START + 3_600_000).toISOString();
    const answer = await put(h, 'lean_self_hosted', { reason: 'gateway restart', until });
    expect(answer.status, answer.text).toBe(200);
    const status = answer.json as StatusJson;
    expect(status).toMatchObject({
      state: 'backup1Active',
      active_engine: 'quanttrader_pybroker',
      last_transition: { from: 'primaryActive', to: 'backup1Active', reason: 'maintenance' },
      engines_maintenance: { lean_self_hosted: { reason: 'gateway restart', until }, quanttrader_pybroker: null, nautilus_trader: null },
    });
    expect(h.alerts.map((alert) => [alert.event, alert.reason])).toEqual([['failover', 'maintenance']]);
  });

  it('refuses a switch to an engine in maintenance with 409, and allows it once the maintenance ends', async () => {
    const h = harness();
    expect((await put(h, 'nautilus_trader', { reason: 'upgrade' })).status).toBe(200);
    const refused = await callApp(h.app, '/admin/execution/switch', { method: 'POST', body: { engine: 'nautilus_trader' } });
    expect(refused.status).toBe(409);
    expect(refused.json).toMatchObject({ error: expect.stringContaining('maintenance') });
    const ended = await callApp(h.app, path('nautilus_trader'), { method: 'DELETE' });
    expect(ended.status).toBe(200);
    expect((ended.json as StatusJson).engines_maintenance.nautilus_trader).toBeNull();
    const switched = await callApp(h.app, '/admin/execution/switch', { method: 'POST', body: { engine: 'nautilus_trader' } });
    expect((switched.json as StatusJson).state).toBe('backup2Active');
  });

  it('pauses with paused_reason maintenance when no engine is left, and resumes by itself when the until passes', async () => {
    const h = harness();
    await put(h, 'quanttrader_pybroker', { reason: 'a' });
    await put(h, 'nautilus_trader', { reason: 'b' });
    const paused = await put(h, 'lean_self_hosted', { reason: 'c', until: new Date(HARNESS_START + 60_000).toISOString() });
    expect(paused.json).toMatchObject({ state: 'paused', paused: true, paused_reason: 'maintenance', active_engine: null });
    const resume = await callApp(h.app, '/admin/execution/resume', { method: 'POST' });
    expect(resume.status).toBe(409);
    h.clock.set(HARNESS_START + 59_999);
    expect(h.runtime.activeEngine()).toBeNull();
    h.clock.set(HARNESS_START + 60_000);
    expect(h.runtime.activeEngine()).toBe('lean_self_hosted');
    const status = (await callApp(h.app, '/admin/execution-status')).json as StatusJson;
    expect(status).toMatchObject({ state: 'primaryActive', last_transition: { reason: 'maintenance_over' } });
    expect(status.engines_maintenance.lean_self_hosted).toBeNull();
  });

  it('answers 400 for an unknown engine, a bad or past until, and 409 for ending no maintenance', async () => {
    const h = harness();
    expect((await put(h, 'nope', { reason: 'x' })).status).toBe(400);
    expect((await put(h, 'lean_self_hosted', { until: 'tomorrow' })).status).toBe(400);
    expect((await put(h, 'lean_self_hosted', { until: new Date(HARNESS_START - 1000).toISOString() })).status).toBe(400);
    expect((await put(h, 'lean_self_hosted', { reason: 7 })).status).toBe(400);
    expect((await callApp(h.app, path('lean_self_hosted'), { method: 'DELETE' })).status).toBe(409);
    expect(h.runtime.state().context.maintenance.lean_self_hosted).toBeNull();
  });
});
