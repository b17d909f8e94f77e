/**
 * The HTTP API of contract section 5 through `app.request()`, over a real policy runtime on a
 * simulated clock: the status JSON in every kind of state, the operator commands, bad requests,
 * the admin token, readiness and metrics, and a standby's refusals.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ENGINE_IDS } from '../../machines/engines.js';
import { MAX_ADMIN_BODY_BYTES } from '../../src/http/body.js';
import { DEFAULT_PAUSE_REASON, standbyControl } from '../../src/policy/control.js';
import { statusOf, type StatusJson } from '../../src/policy/status.js';
import { callApp, HARNESS_START, startHttpHarness, type HttpAnswer, type HttpCall, type HttpHarness, type HttpHarnessOptions } from '../support/httpHarness.js';
import { STATUS_KEYS } from '../support/contract.js';

const STATUS = '/admin/execution-status';
const PAUSE = '/admin/execution/pause';
const RESUME = '/admin/execution/resume';
const SWITCH = '/admin/execution/switch';

const harnesses: HttpHarness[] = [];
afterEach(() => {
  for (const harness of harnesses.splice(0)) harness.stop();
});

function harness(options: HttpHarnessOptions = {}): HttpHarness {
  const started = startHttpHarness(options);
  harnesses.push(started);
  return started;
}

function iso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

/** The status body of a 200 answer, after checking its key set against the contract. */
function statusBody(answer: HttpAnswer): StatusJson {
  expect(answer.status, answer.text).toBe(200);
  expect(answer.contentType).toMatch(/^application\/json/);
  const body = answer.json as StatusJson;
  expect(Object.keys(body).sort()).toEqual([...STATUS_KEYS].sort());
  return body;
}

async function status(h: HttpHarness, token?: string): Promise<StatusJson> {
  return statusBody(await callApp(h.app, STATUS, token === undefined ? {} : { token }));
}

/** Checks the contract's rule for bad requests: a 4xx with a JSON `{error}` that says something. */
function expectJsonError(answer: HttpAnswer, httpStatus: number): string {
  expect(answer.status, answer.text).toBe(httpStatus);
  expect(answer.contentType).toMatch(/^application\/json/);
  const body = answer.json as { error?: unknown };
  expect(typeof body.error).toBe('string');
  expect(String(body.error).length).toBeGreaterThan(10);
  return String(body.error);
}

const counts = (lean: number, quant: number, nautilus: number) => ({
  lean_self_hosted: lean,
  quanttrader_pybroker: quant,
  nautilus_trader: nautilus,
});
const availability = (lean: boolean, quant: boolean, nautilus: boolean) => ({
  lean_self_hosted: lean,
  quanttrader_pybroker: quant,
  nautilus_trader: nautilus,
});

describe('GET /admin/execution-status', () => {
  it('answers the contract example at start', async () => {
    const h = harness();
    expect(await status(h)).toEqual({
      active_engine: 'lean_self_hosted',
      primary_engine: 'lean_self_hosted',
      backup_engines: ['quanttrader_pybroker', 'nautilus_trader'],
      failure_counts: counts(0, 0, 0),
      engines_available: availability(true, true, true),
      state: 'primaryActive',
      paused: false,
      paused_reason: null,
      failover_enabled: true,
      failure_threshold: 5,
      recovery_timeout_seconds: 300,
      next_recovery_check_at: null,
      last_transition: null,
      role: 'leader',
      leader_epoch: 4,
      engines_maintenance: { lean_self_hosted: null, quanttrader_pybroker: null, nautilus_trader: null },
    });
  });

  it('shows the configured settings', async () => {
    const h = harness({ settings: { failureThreshold: 3, recoveryTimeoutSeconds: 1.5, failoverEnabled: false } });
    const body = await status(h);
    expect(body.failure_threshold).toBe(3);
    expect(body.recovery_timeout_seconds).toBe(1.5);
    expect(body.failover_enabled).toBe(false);
  });

  it('counts failures below the threshold without moving', async () => {
    const h = harness();
    h.fail('lean_self_hosted', 4);
    const body = await status(h);
    expect(body.state).toBe('primaryActive');
    expect(body.failure_counts).toEqual(counts(4, 0, 0));
    expect(body.engines_available).toEqual(availability(true, true, true));
    expect(body.last_transition).toBeNull();
  });

  it('shows the failover once the primary trips: state, counts, availability, transition and recovery time', async () => {
    const h = harness();
    h.fail('lean_self_hosted', 4);
    h.clock.increment(1234);
    h.fail('lean_self_hosted', 1);
    const trippedAt = HARNESS_START + 1234;
    const body = await status(h);
    expect(body).toMatchObject({
      active_engine: 'quanttrader_pybroker',
      state: 'backup1Active',
      paused: false,
      paused_reason: null,
      failure_counts: counts(5, 0, 0),
      engines_available: availability(false, true, true),
      next_recovery_check_at: iso(trippedAt + 300_000),
      last_transition: { from: 'primaryActive', to: 'backup1Active', reason: 'threshold', at: iso(trippedAt) },
    });
    expect(body.last_transition?.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('shows a pause after every engine failed: no active engine, the reason, no recovery pending', async () => {
    const h = harness({ settings: { failureThreshold: 2 } });
    h.fail('lean_self_hosted', 2);
    h.fail('quanttrader_pybroker', 2);
    h.clock.increment(5000);
    h.fail('nautilus_trader', 2);
    const body = await status(h);
    expect(body).toMatchObject({
      active_engine: null,
      state: 'paused',
      paused: true,
      paused_reason: 'all_engines_failed',
      failure_counts: counts(2, 2, 2),
      engines_available: availability(false, false, false),
      next_recovery_check_at: null,
      last_transition: { from: 'backup2Active', to: 'paused', reason: 'all_engines_failed', at: iso(HARNESS_START + 5000) },
    });
  });

  it('marks an engine unavailable when its last health probe failed', async () => {
    const h = harness();
    h.runtime.send({ type: 'HEALTH_CHECKED', results: { nautilus_trader: false } });
    expect((await status(h)).engines_available).toEqual(availability(true, true, false));
    h.runtime.send({ type: 'HEALTH_CHECKED', results: { nautilus_trader: true } });
    expect((await status(h)).engines_available).toEqual(availability(true, true, true));
  });

  it('pauses on the primary alone when failover is disabled', async () => {
    const h = harness({ settings: { failoverEnabled: false, failureThreshold: 2 } });
    h.fail('lean_self_hosted', 2);
    const body = await status(h);
    expect(body).toMatchObject({ state: 'paused', active_engine: null, paused_reason: 'all_engines_failed', failover_enabled: false });
    expect(body.last_transition).toMatchObject({ from: 'primaryActive', to: 'paused', reason: 'all_engines_failed' });
  });
});

describe('POST /admin/execution/pause', () => {
  it('pauses with the reason given and answers the status', async () => {
    const h = harness();
    h.clock.increment(60_000);
    const body = statusBody(await callApp(h.app, PAUSE, { body: { reason: 'broker maintenance' } }));
    expect(body).toMatchObject({
      state: 'paused',
      paused: true,
      active_engine: null,
      paused_reason: 'broker maintenance',
      last_transition: { from: 'primaryActive', to: 'paused', reason: 'operator', at: iso(HARNESS_START + 60_000) },
    });
    expect(h.runtime.activeEngine()).toBeNull();
    expect(await status(h)).toEqual(body);
    expect(h.alerts.map((alert) => alert.event)).toEqual(['paused']);
  });

  it.each([
    ['no body', undefined],
    ['an empty object', {}],
    ['a null reason', { reason: null }],
    ['a blank reason', { reason: '   ' }],
  ])('pauses with the default reason given %s', async (_name, body) => {
    const h = harness();
    const answer = await callApp(h.app, PAUSE, body === undefined ? { method: 'POST' } : { body });
    expect(statusBody(answer)).toMatchObject({ state: 'paused', paused_reason: DEFAULT_PAUSE_REASON });
  });

  it('pauses from a backup and keeps the counts', async () => {
    const h = harness();
    h.fail('lean_self_hosted', 5);
    const body = statusBody(await callApp(h.app, PAUSE, { body: { reason: 'x' } }));
    expect(body).toMatchObject({ state: 'paused', next_recovery_check_at: null, failure_counts: counts(5, 0, 0) });
    expect(body.last_transition).toMatchObject({ from: 'backup1Active', to: 'paused', reason: 'operator' });
  });

  it('replaces the reason when paused again', async () => {
    const h = harness();
    await callApp(h.app, PAUSE, { body: { reason: 'first' } });
    const body = statusBody(await callApp(h.app, PAUSE, { body: { reason: 'second' } }));
    expect(body).toMatchObject({ state: 'paused', paused_reason: 'second' });
  });

  it.each([
    ['a number as reason', { reason: 42 }, /reason/],
    ['an unknown field', { reason: 'x', until: 'tomorrow' }, /until/],
    ['an array', ['x'], /object/],
    ['a reason over 500 characters', { reason: 'r'.repeat(501) }, /500/],
  ])('refuses %s with 400 and leaves the state alone', async (_name, body, says) => {
    const h = harness();
    const error = expectJsonError(await callApp(h.app, PAUSE, { body }), 400);
    expect(error).toMatch(says);
    expect(h.runtime.activeEngine()).toBe('lean_self_hosted');
  });
});

describe('POST /admin/execution/resume', () => {
  it('answers 409 when not paused and changes nothing', async () => {
    const h = harness();
    h.fail('lean_self_hosted', 5);
    const error = expectJsonError(await callApp(h.app, RESUME, { method: 'POST' }), 409);
    expect(error).toContain('backup1Active');
    expect((await status(h)).state).toBe('backup1Active');
  });

  it('goes back to the primary with every count reset after an operator pause', async () => {
    const h = harness();
    h.fail('lean_self_hosted', 5);
    h.fail('quanttrader_pybroker', 3);
    await callApp(h.app, PAUSE, { body: { reason: 'check' } });
    h.clock.increment(10_000);
    const body = statusBody(await callApp(h.app, RESUME, { method: 'POST' }));
    expect(body).toMatchObject({
      state: 'primaryActive',
      active_engine: 'lean_self_hosted',
      paused: false,
      paused_reason: null,
      failure_counts: counts(0, 0, 0),
      engines_available: availability(true, true, true),
      last_transition: { from: 'paused', to: 'primaryActive', reason: 'operator', at: iso(HARNESS_START + 10_000) },
    });
    expect(h.alerts.map((alert) => alert.event)).toEqual(['failover', 'paused', 'resumed']);
  });

  it('goes to the highest-priority engine whose last probe did not fail', async () => {
    const h = harness({ settings: { failureThreshold: 1 } });
    h.fail('lean_self_hosted', 1);
    h.fail('quanttrader_pybroker', 1);
    h.fail('nautilus_trader', 1);
    h.runtime.send({ type: 'HEALTH_CHECKED', results: { lean_self_hosted: false, quanttrader_pybroker: true, nautilus_trader: true } });
    const body = statusBody(await callApp(h.app, RESUME, { method: 'POST' }));
    expect(body).toMatchObject({
      state: 'backup1Active',
      active_engine: 'quanttrader_pybroker',
      failure_counts: counts(0, 0, 0),
      engines_available: availability(false, true, true),
    });
  });

  it('accepts an empty JSON object as the body and refuses a second resume', async () => {
    const h = harness();
    await callApp(h.app, PAUSE, { method: 'POST' });
    expect(statusBody(await callApp(h.app, RESUME, { body: {} })).state).toBe('primaryActive');
    expectJsonError(await callApp(h.app, RESUME, { method: 'POST' }), 409);
  });
});

describe('POST /admin/execution/switch', () => {
  it('moves to the named engine and records an operator transition', async () => {
    const h = harness();
    h.clock.increment(2000);
    const body = statusBody(await callApp(h.app, SWITCH, { body: { engine: 'nautilus_trader' } }));
    expect(body).toMatchObject({
      state: 'backup2Active',
      active_engine: 'nautilus_trader',
      next_recovery_check_at: iso(HARNESS_START + 2000 + 300_000),
      last_transition: { from: 'primaryActive', to: 'backup2Active', reason: 'operator', at: iso(HARNESS_START + 2000) },
    });
    expect(h.runtime.activeEngine()).toBe('nautilus_trader');
    expect(h.alerts.map((alert) => alert.event)).toEqual(['failover']);
  });

  it('fails back to the primary on request, resetting its count', async () => {
    const h = harness();
    h.fail('lean_self_hosted', 5);
    const body = statusBody(await callApp(h.app, SWITCH, { body: { engine: 'lean_self_hosted' } }));
    expect(body).toMatchObject({
      state: 'primaryActive',
      failure_counts: counts(0, 0, 0),
      next_recovery_check_at: null,
      last_transition: { from: 'backup1Active', to: 'primaryActive', reason: 'operator' },
    });
    expect(h.alerts.map((alert) => alert.event)).toEqual(['failover', 'recovery']);
  });

  it('leaves a pause for the named engine', async () => {
    const h = harness();
    await callApp(h.app, PAUSE, { body: { reason: 'x' } });
    const body = statusBody(await callApp(h.app, SWITCH, { body: { engine: 'quanttrader_pybroker' } }));
    expect(body).toMatchObject({ state: 'backup1Active', paused: false, paused_reason: null });
    expect(body.last_transition).toMatchObject({ from: 'paused', to: 'backup1Active', reason: 'operator' });
  });

  it('refuses an unknown engine id with 400, naming it and the known ones', async () => {
    const h = harness();
    const error = expectJsonError(await callApp(h.app, SWITCH, { body: { engine: 'ibkr_gateway' } }), 400);
    expect(error).toContain('ibkr_gateway');
    for (const engine of ENGINE_IDS) expect(error).toContain(engine);
    expect((await status(h)).state).toBe('primaryActive');
  });

  it.each([
    ['no body', { method: 'POST' }],
    ['an empty object', { body: {} }],
    ['a number as engine', { body: { engine: 2 } }],
    ['null as engine', { body: { engine: null } }],
    ['JSON null', { body: 'null' }],
    ['a bare string', { body: '"nautilus_trader"' }],
    ['an extra field', { body: { engine: 'nautilus_trader', force: true } }],
  ] satisfies [string, HttpCall][])('refuses %s with 400', async (_name, call) => {
    const h = harness();
    expectJsonError(await callApp(h.app, SWITCH, call), 400);
    expect(h.runtime.activeEngine()).toBe('lean_self_hosted');
  });
});

describe('bad requests', () => {
  it.each([PAUSE, RESUME, SWITCH])('answers malformed JSON on %s with 400 {error}', async (path) => {
    const h = harness();
    const error = expectJsonError(await callApp(h.app, path, { body: '{"reason": ' }), 400);
    expect(error).toMatch(/JSON/);
    expect(h.runtime.activeEngine()).toBe('lean_self_hosted');
  });

  it('accepts a body of exactly 16 KiB and refuses one byte more with 413', async () => {
    const h = harness();
    const json = JSON.stringify({ reason: 'limit' });
    const atLimit = json + ' '.repeat(MAX_ADMIN_BODY_BYTES - json.length);
    expect(MAX_ADMIN_BODY_BYTES).toBe(16 * 1024);
    const over = await callApp(h.app, PAUSE, { body: `${atLimit} ` });
    expect(expectJsonError(over, 413)).toContain(String(MAX_ADMIN_BODY_BYTES));
    expect(h.runtime.activeEngine()).toBe('lean_self_hosted');
    expect(statusBody(await callApp(h.app, PAUSE, { body: atLimit })).paused_reason).toBe('limit');
  });

  it('refuses a body announced as larger than 16 KiB by its Content-Length', async () => {
    const h = harness();
    const body = JSON.stringify({ engine: 'nautilus_trader', padding: 'x'.repeat(MAX_ADMIN_BODY_BYTES) });
    const answer = await callApp(h.app, SWITCH, { body, headers: { 'content-length': String(body.length) } });
    expectJsonError(answer, 413);
    expect(h.runtime.activeEngine()).toBe('lean_self_hosted');
  });

  it.each([
    ['GET', '/nope'],
    ['GET', '/admin/nope'],
    ['POST', '/health'],
    ['GET', PAUSE],
    ['DELETE', STATUS],
  ] as const)('answers %s %s with 404 {error}', async (method, path) => {
    const h = harness();
    const error = expectJsonError(await callApp(h.app, path, { method }), 404);
    expect(error).toContain(path);
  });
});

describe('ADMIN_TOKEN', () => {
  const TOKEN = 's3cret-token';
  const adminCalls: [string, HttpCall][] = [
    [STATUS, {}],
    [PAUSE, { body: { reason: 'x' } }],
    [RESUME, { method: 'POST' }],
    [SWITCH, { body: { engine: 'nautilus_trader' } }],
    ['/admin/nope', {}],
  ];
  const badHeaders: [string, Record<string, string>][] = [
    ['no header', {}],
    ['a wrong token', { authorization: 'Bearer not-the-token' }],
    ['a token prefix', { authorization: `Bearer ${TOKEN.slice(0, -1)}` }],
    ['a token with a suffix', { authorization: `Bearer ${TOKEN}x` }],
    ['the token without a scheme', { authorization: TOKEN }],
    ['another scheme', { authorization: `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}` }],
    ['an empty bearer', { authorization: 'Bearer ' }],
    ['the token in another header', { 'x-admin-token': TOKEN }],
  ];

  for (const [path, call] of adminCalls) {
    it.each(badHeaders)(`refuses ${path} with 401 given %s`, async (_name, headers) => {
      const h = harness({ adminToken: TOKEN });
      const answer = await callApp(h.app, path, { ...call, headers });
      expectJsonError(answer, 401);
      expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(h.runtime.activeEngine()).toBe('lean_self_hosted');
    });
  }

  it('serves every admin route with the right token', async () => {
    const h = harness({ adminToken: TOKEN });
    expect((await status(h, TOKEN)).state).toBe('primaryActive');
    expect(statusBody(await callApp(h.app, PAUSE, { body: { reason: 'x' }, token: TOKEN })).state).toBe('paused');
    expect(statusBody(await callApp(h.app, RESUME, { method: 'POST', token: TOKEN })).state).toBe('primaryActive');
    expect(statusBody(await callApp(h.app, SWITCH, { body: { engine: 'nautilus_trader' }, token: TOKEN })).state).toBe('backup2Active');
  });

  it('takes the scheme case-insensitively', async () => {
    const h = harness({ adminToken: TOKEN });
    const answer = await callApp(h.app, STATUS, { headers: { authorization: `bearer ${TOKEN}` } });
    expect(answer.status).toBe(200);
  });

  it('checks the token before reading the body', async () => {
    const h = harness({ adminToken: TOKEN });
    expectJsonError(await callApp(h.app, PAUSE, { body: '{not json' }), 401);
    expectJsonError(await callApp(h.app, PAUSE, { body: 'x'.repeat(MAX_ADMIN_BODY_BYTES + 1) }), 401);
  });

  it.each(['/health', '/ready', '/metrics'])('leaves %s open', async (path) => {
    const h = harness({ adminToken: TOKEN });
    expect((await callApp(h.app, path)).status).toBe(200);
  });

  it('lets every admin request through when no token is configured', async () => {
    const h = harness();
    const answer = await callApp(h.app, STATUS, { headers: { authorization: 'Bearer anything' } });
    expect(answer.status).toBe(200);
  });
});

describe('GET /health and GET /ready', () => {
  it('answers /health with 200 JSON', async () => {
    const h = harness({ redisReady: async () => false });
    const answer = await callApp(h.app, '/health');
    expect(answer.status).toBe(200);
    expect(answer.contentType).toMatch(/^application\/json/);
  });

  it('is ready when Redis answers and the policy runs', async () => {
    const h = harness();
    const answer = await callApp(h.app, '/ready');
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ ready: true, redis: true, policy: true });
  });

  it('is not ready (503) when Redis does not answer', async () => {
    const h = harness({ redisReady: async () => false });
    const answer = await callApp(h.app, '/ready');
    expect(answer.status).toBe(503);
    expect(answer.json).toEqual({ ready: false, redis: false, policy: true });
  });

  it('is not ready (503) when the Redis check itself fails', async () => {
    const h = harness({ redisReady: () => Promise.reject(new Error('ECONNREFUSED')) });
    const answer = await callApp(h.app, '/ready');
    expect(answer.status).toBe(503);
    expect(answer.json).toMatchObject({ redis: false });
  });

  it('is not ready (503) once the policy actor has stopped, and refuses commands then', async () => {
    const h = harness();
    h.runtime.stop();
    const ready = await callApp(h.app, '/ready');
    expect(ready.status).toBe(503);
    expect(ready.json).toEqual({ ready: false, redis: true, policy: false });
    expectJsonError(await callApp(h.app, PAUSE, { body: { reason: 'x' } }), 503);
    expectJsonError(await callApp(h.app, SWITCH, { body: { engine: 'nautilus_trader' } }), 503);
    expectJsonError(await callApp(h.app, RESUME, { method: 'POST' }), 503);
    expect((await status(h)).state).toBe('primaryActive');
  });
});

describe('GET /metrics', () => {
  const METRIC_TYPES = {
    execution_signals_total: 'counter',
    execution_engine_failures_total: 'counter',
    execution_failover_transitions_total: 'counter',
    execution_active_engine: 'gauge',
    execution_latency_seconds: 'histogram',
    execution_queue_depth: 'gauge',
  };

  it('answers Prometheus text with every metric of the service', async () => {
    const h = harness({ queueDepth: async () => 42 });
    const answer = await callApp(h.app, '/metrics');
    expect(answer.status).toBe(200);
    expect(answer.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    for (const [name, type] of Object.entries(METRIC_TYPES)) {
      expect(answer.text).toContain(`# HELP ${name} `);
      expect(answer.text).toContain(`# TYPE ${name} ${type}\n`);
    }
    expect(answer.text).toMatch(/^execution_queue_depth 42$/m);
    for (const engine of ENGINE_IDS) {
      expect(answer.text).toContain(`execution_engine_failures_total{engine="${engine}"} 0`);
      expect(answer.text).toContain(`execution_active_engine{engine="${engine}"} 0`);
    }
  });

  it('shows what was recorded', async () => {
    const h = harness();
    h.metrics.outcome('executed', 'quanttrader_pybroker');
    h.metrics.outcome('executed', 'quanttrader_pybroker');
    h.metrics.outcome('invalid', null);
    h.metrics.engineFailure('lean_self_hosted');
    h.metrics.transition('primaryActive', 'backup1Active', 'threshold');
    h.metrics.activeEngine('quanttrader_pybroker');
    h.metrics.latency('quanttrader_pybroker', 0.02);
    const { text } = await callApp(h.app, '/metrics');
    expect(text).toContain('execution_signals_total{engine="quanttrader_pybroker",outcome="executed"} 2');
    expect(text).toContain('execution_signals_total{engine="none",outcome="invalid"} 1');
    expect(text).toContain('execution_engine_failures_total{engine="lean_self_hosted"} 1');
    expect(text).toContain('execution_failover_transitions_total{from="primaryActive",to="backup1Active",reason="threshold"} 1');
    expect(text).toContain('execution_active_engine{engine="quanttrader_pybroker"} 1');
    expect(text).toContain('execution_active_engine{engine="lean_self_hosted"} 0');
    expect(text).toContain('execution_latency_seconds_bucket{le="0.025",engine="quanttrader_pybroker"} 1');
    expect(text).toContain('execution_latency_seconds_bucket{le="0.01",engine="quanttrader_pybroker"} 0');
    expect(text).toContain('execution_latency_seconds_count{engine="quanttrader_pybroker"} 1');
  });

  it('still answers when the queue depth cannot be read', async () => {
    const h = harness({ queueDepth: () => Promise.reject(new Error('Redis away')) });
    const answer = await callApp(h.app, '/metrics');
    expect(answer.status).toBe(200);
    expect(answer.text).toContain('# TYPE execution_queue_depth gauge');
  });

  it('keeps each app’s metrics apart', async () => {
    const first = harness();
    const second = harness();
    first.metrics.engineFailure('nautilus_trader');
    expect((await callApp(second.app, '/metrics')).text).toContain('execution_engine_failures_total{engine="nautilus_trader"} 0');
  });
});

describe('standby control', () => {
  function standbyHarness(read?: () => Promise<StatusJson>): HttpHarness {
    return harness({
      control: (runtime) => standbyControl(read ?? (async () => statusOf(runtime.state(), { role: 'standby', now: runtime.now(), leaderEpoch: 3 }))),
    });
  }

  it('serves the status it reads, as a standby', async () => {
    const h = standbyHarness();
    h.fail('lean_self_hosted', 5);
    const body = await status(h);
    expect(body).toMatchObject({ role: 'standby', state: 'backup1Active', active_engine: 'quanttrader_pybroker' });
  });

  it.each([
    [PAUSE, { body: { reason: 'x' } }],
    [RESUME, { method: 'POST' }],
    [SWITCH, { body: { engine: 'nautilus_trader' } }],
  ] satisfies [string, HttpCall][])('refuses %s with 503, pointing to the leader', async (path, call) => {
    const h = standbyHarness();
    const error = expectJsonError(await callApp(h.app, path, call), 503);
    expect(error).toMatch(/standby/);
    expect(error).toMatch(/leader/);
    expect(h.runtime.activeEngine()).toBe('lean_self_hosted');
  });

  it('still refuses a bad body with 400 before refusing the command', async () => {
    const h = standbyHarness();
    expectJsonError(await callApp(h.app, SWITCH, { body: '{' }), 400);
  });

  it('answers a failed status read with a JSON error, not an HTML page', async () => {
    const h = standbyHarness(() => Promise.reject(new Error('Redis away')));
    const answer = await callApp(h.app, STATUS);
    expect(answer.status).toBeGreaterThanOrEqual(500);
    expect(typeof (answer.json as { error?: unknown }).error).toBe('string');
  });
});

describe('writes a browser sends from another site', () => {
  it.each([
    ['an Origin of another host', { origin: 'http://evil.example', host: '127.0.0.1:8001' }],
    ['Sec-Fetch-Site cross-site', { 'sec-fetch-site': 'cross-site' }],
    ['Sec-Fetch-Site same-site', { 'sec-fetch-site': 'same-site' }],
  ])('are refused with 403 and change nothing: %s', async (_name, headers) => {
    const h = harness();
    const answer = await callApp(h.app, PAUSE, { body: { reason: 'csrf' }, headers });
    expect(answer.status).toBe(403);
    expect(answer.json).toEqual({ error: expect.stringMatching(/cross-site/) });
    expect((await status(h)).paused).toBe(false);
  });

  it.each([
    ['no browser headers (curl, scripts)', {}],
    ['the same origin', { origin: 'http://127.0.0.1:8001', host: '127.0.0.1:8001' }],
    ['Sec-Fetch-Site same-origin', { 'sec-fetch-site': 'same-origin', origin: 'http://127.0.0.1:8001' }],
  ])('pass: %s', async (_name, headers) => {
    const h = harness();
    const answer = await callApp(h.app, PAUSE, { body: { reason: 'ok' }, headers });
    expect(answer.status, answer.text).toBe(200);
    expect((await status(h)).paused).toBe(true);
  });
});
