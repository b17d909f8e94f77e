/**
 * Alerts (contract section 6): the policy's alert texts for every reason, and their delivery to a
 * real local webhook: the exact body, retries with backoff, never throwing, never blocking, a
 * bounded close, and the log alone when no webhook is configured.
 */
import { Writable } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EngineId } from '../machines/engines.js';
import type { PolicyAlertKind } from '../machines/executionFailover.js';
import { DEFAULT_POLICY_SETTINGS, initialContext, type PolicySettings } from '../machines/policy.js';
import { createAlerter, type Alerter, type AlerterOptions } from '../src/alerts.js';
import { createLogger } from '../src/log.js';
import { policyAlert, type Alert } from '../src/policy/alerts.js';
import { startPolicyRuntime, type PolicyRuntime } from '../src/policy/runtime.js';
import { refusingWebhookUrl, startWebhookServer, type WebhookReply, type WebhookServer } from './support/webhookServer.js';
import { TestClock } from './support/testClock.js';

const START = Date.parse('2026-11-25T14:30:00.000Z');
const ALERT_KEYS = ['event', 'from', 'to', 'reason', 'at', 'text'];

const webhooks: WebhookServer[] = [];
const alerters: Alerter[] = [];
const runtimes: PolicyRuntime[] = [];
afterEach(async () => {
  for (const runtime of runtimes.splice(0)) runtime.stop();
  await Promise.all(webhooks.splice(0).map((webhook) => webhook.close()));
  await Promise.all(alerters.splice(0).map((alerter) => alerter.close(1000)));
});

async function webhook(replies: readonly WebhookReply[] = []): Promise<WebhookServer> {
  const started = await startWebhookServer(replies);
  webhooks.push(started);
  return started;
}

interface LogLine {
  readonly level: string;
  readonly msg: string;
  readonly alert?: unknown;
  readonly attempt?: number;
  readonly status?: number;
}

/** A logger whose JSON lines the test reads back. */
function capturedLog() {
  const lines: LogLine[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  return { log: createLogger('info', destination), lines };
}

function alerter(options: AlerterOptions): Alerter {
  const created = createAlerter(options);
  alerters.push(created);
  return created;
}

/** A policy runtime on a simulated clock that keeps every alert it raises. */
function policy(settings: Partial<PolicySettings> = {}) {
  const clock = new TestClock(START);
  const alerts: Alert[] = [];
  const runtime = startPolicyRuntime({
    settings: { ...DEFAULT_POLICY_SETTINGS, ...settings },
    effects: { alert: (alert) => alerts.push(alert), requestHealthCheck: () => {} },
    clock,
  });
  runtimes.push(runtime);
  const fail = (engine: EngineId, count: number) => {
    for (let i = 0; i < count; i++) runtime.send({ type: 'EXECUTION_FAILED', engine });
  };
  return { runtime, clock, alerts, fail };
}

/** The alert a real failover raises. */
function failoverAlert(): Alert {
  const { alerts, fail } = policy();
  fail('lean_self_hosted', 5);
  const alert = alerts[0];
  if (alert === undefined) throw new Error('the failover raised no alert');
  return alert;
}

describe('policyAlert: one text per reason, naming the engines involved', () => {
  it('threshold: names the tripped engine, the next one and the threshold', () => {
    const { alerts, fail, clock } = policy({ failureThreshold: 3 });
    clock.increment(1500);
    fail('lean_self_hosted', 3);
    fail('quanttrader_pybroker', 3);
    expect(alerts).toHaveLength(2);
    expect(alerts[0]).toMatchObject({
      event: 'failover',
      from: 'primaryActive',
      to: 'backup1Active',
      reason: 'threshold',
      at: new Date(START + 1500).toISOString(),
    });
    expect(alerts[0]?.text).toContain('lean_self_hosted');
    expect(alerts[0]?.text).toContain('quanttrader_pybroker');
    expect(alerts[0]?.text).toContain('3 times');
    expect(alerts[1]).toMatchObject({ event: 'failover', from: 'backup1Active', to: 'backup2Active', reason: 'threshold' });
    expect(alerts[1]?.text).toContain('quanttrader_pybroker');
    expect(alerts[1]?.text).toContain('nautilus_trader');
  });

  it('all_engines_failed: names the last engine and says how to resume', () => {
    const { alerts, fail } = policy({ failureThreshold: 1 });
    fail('lean_self_hosted', 1);
    fail('quanttrader_pybroker', 1);
    fail('nautilus_trader', 1);
    const paused = alerts.at(-1);
    expect(paused).toMatchObject({ event: 'paused', from: 'backup2Active', to: 'paused', reason: 'all_engines_failed' });
    expect(paused?.text).toContain('nautilus_trader');
    expect(paused?.text).toContain('/admin/execution/resume');
  });

  it('all_engines_failed with failover disabled: names the primary', () => {
    const { alerts, fail } = policy({ failureThreshold: 2, failoverEnabled: false });
    fail('lean_self_hosted', 2);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ event: 'paused', from: 'primaryActive', reason: 'all_engines_failed' });
    expect(alerts[0]?.text).toContain('lean_self_hosted');
  });

  it('recovered: names the engine signals go back to and the one they leave', () => {
    const { alerts, fail, clock, runtime } = policy({ recoverySuccesses: 2 });
    fail('lean_self_hosted', 5);
    fail('quanttrader_pybroker', 5);
    clock.increment(300_000);
    runtime.send({ type: 'HEALTH_CHECKED', results: { lean_self_hosted: true, quanttrader_pybroker: false } });
    runtime.send({ type: 'HEALTH_CHECKED', results: { lean_self_hosted: true, quanttrader_pybroker: false } });
    const recovery = alerts.at(-1);
    expect(recovery).toMatchObject({ event: 'recovery', from: 'backup2Active', to: 'primaryActive', reason: 'recovered' });
    expect(recovery?.text).toContain('lean_self_hosted');
    expect(recovery?.text).toContain('nautilus_trader');
    expect(recovery?.text).toContain('2 health probes');
  });

  it('auto_resume: names the engine that recovered', () => {
    const { alerts, fail, clock, runtime } = policy({ failureThreshold: 1, autoResume: true, recoverySuccesses: 1 });
    fail('lean_self_hosted', 1);
    fail('quanttrader_pybroker', 1);
    fail('nautilus_trader', 1);
    clock.increment(300_000);
    runtime.send({ type: 'HEALTH_CHECKED', results: { lean_self_hosted: false, quanttrader_pybroker: true, nautilus_trader: true } });
    const resumed = alerts.at(-1);
    expect(resumed).toMatchObject({ event: 'resumed', from: 'paused', to: 'backup1Active', reason: 'auto_resume' });
    expect(resumed?.text).toContain('quanttrader_pybroker');
  });

  it('operator pause: gives the reason and names the engine that was in use', () => {
    const { alerts, fail, runtime } = policy();
    fail('lean_self_hosted', 5);
    runtime.send({ type: 'PAUSE', reason: 'broker maintenance' });
    const paused = alerts.at(-1);
    expect(paused).toMatchObject({ event: 'paused', from: 'backup1Active', to: 'paused', reason: 'operator' });
    expect(paused?.text).toContain('broker maintenance');
    expect(paused?.text).toContain('quanttrader_pybroker');
  });

  it.each([
    ['a switch down the chain', 'nautilus_trader', 'failover', ['lean_self_hosted', 'nautilus_trader']],
    ['a switch up the chain', 'lean_self_hosted', 'recovery', ['quanttrader_pybroker', 'lean_self_hosted']],
  ] as const)('operator, %s: names both engines', (_name, target, event, engines) => {
    const { alerts, fail, runtime } = policy();
    if (target === 'lean_self_hosted') fail('lean_self_hosted', 5);
    runtime.send({ type: 'SWITCH', engine: target });
    const alert = alerts.at(-1);
    expect(alert).toMatchObject({ event, reason: 'operator' });
    for (const engine of engines) expect(alert?.text).toContain(engine);
  });

  it('operator resume: names the engine signals go to', () => {
    const { alerts, runtime } = policy();
    runtime.send({ type: 'PAUSE', reason: 'x' });
    runtime.send({ type: 'RESUME' });
    expect(alerts.at(-1)).toMatchObject({ event: 'resumed', from: 'paused', to: 'primaryActive', reason: 'operator' });
    expect(alerts.at(-1)?.text).toContain('lean_self_hosted');
  });

  it('is null before any transition', () => {
    const kind: PolicyAlertKind = 'failover';
    expect(policyAlert(kind, initialContext(DEFAULT_POLICY_SETTINGS))).toBeNull();
  });

  it('has exactly the contract’s keys', () => {
    expect(Object.keys(failoverAlert()).sort()).toEqual([...ALERT_KEYS].sort());
  });
});

describe('createAlerter with a webhook', () => {
  it('POSTs exactly {event, from, to, reason, at, text} as JSON, and logs the alert', async () => {
    const hook = await webhook();
    const { log, lines } = capturedLog();
    const alert = failoverAlert();
    const sender = alerter({ log, webhookUrl: hook.url });
    sender.send(alert);
    await sender.close(2000);

    expect(hook.requests).toHaveLength(1);
    const [request] = hook.requests;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/hooks/alerts');
    expect(request?.contentType).toMatch(/^application\/json/);
    expect(request?.body).toEqual(alert);
    expect(Object.keys(request?.body ?? {}).sort()).toEqual([...ALERT_KEYS].sort());
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'warn', msg: `ALERT failover: ${alert.text}`, alert });
  });

  it('delivers several alerts, each once', async () => {
    const hook = await webhook();
    const { log } = capturedLog();
    const { alerts, fail, runtime } = policy({ failureThreshold: 1 });
    fail('lean_self_hosted', 1);
    runtime.send({ type: 'PAUSE', reason: 'x' });
    runtime.send({ type: 'RESUME' });
    const sender = alerter({ log, webhookUrl: hook.url });
    for (const alert of alerts) sender.send(alert);
    await sender.close(2000);
    expect(hook.requests.map((request) => request.body).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual(
      [...alerts].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    );
  });

  it('retries after 500s with a doubling backoff until the webhook takes it', async () => {
    const hook = await webhook([500, 503, 200]);
    const { log, lines } = capturedLog();
    const alert = failoverAlert();
    const sender = alerter({ log, webhookUrl: hook.url, attempts: 5, backoffMs: 30 });
    sender.send(alert);
    await sender.close(5000);

    expect(hook.requests).toHaveLength(3);
    for (const request of hook.requests) expect(request.body).toEqual(alert);
    const [first, second, third] = hook.requests.map((request) => request.receivedAt);
    // Timers may fire up to a millisecond early against performance.now().
    expect((second ?? 0) - (first ?? 0)).toBeGreaterThanOrEqual(29);
    expect((third ?? 0) - (second ?? 0)).toBeGreaterThanOrEqual(59);
    const warnings = lines.filter((line) => line.level === 'warn' && line.status !== undefined);
    expect(warnings.map((line) => [line.attempt, line.status])).toEqual([
      [1, 500],
      [2, 503],
    ]);
    expect(lines.filter((line) => line.level === 'error')).toEqual([]);
  });

  it('gives up after the configured attempts and logs that the alert was not delivered', async () => {
    const hook = await webhook([500]);
    const { log, lines } = capturedLog();
    const sender = alerter({ log, webhookUrl: hook.url, attempts: 3, backoffMs: 1 });
    sender.send(failoverAlert());
    await sender.close(5000);
    expect(hook.requests).toHaveLength(3);
    const errors = lines.filter((line) => line.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.msg).toContain('3 attempts');
  });

  it('retries when the connection is refused, and never throws', async () => {
    const url = await refusingWebhookUrl();
    const { log, lines } = capturedLog();
    const sender = alerter({ log, webhookUrl: url, attempts: 3, backoffMs: 1 });
    expect(() => sender.send(failoverAlert())).not.toThrow();
    await sender.close(5000);
    expect(lines.filter((line) => line.msg === 'alert webhook unreachable').map((line) => line.attempt)).toEqual([1, 2, 3]);
    expect(lines.filter((line) => line.level === 'error')).toHaveLength(1);
  });

  it('takes up a webhook that comes back between attempts', async () => {
    const refused = await refusingWebhookUrl();
    const hook = await webhook();
    const { log } = capturedLog();
    let calls = 0;
    // The first attempt goes to a port nothing listens on; later ones reach the webhook.
    const sender = alerter({
      log,
      webhookUrl: hook.url,
      attempts: 3,
      backoffMs: 1,
      fetch: (input, init) => fetch(++calls === 1 ? refused : input, init),
    });
    const alert = failoverAlert();
    sender.send(alert);
    await sender.close(5000);
    expect(calls).toBe(2);
    expect(hook.requests.map((request) => request.body)).toEqual([alert]);
  });

  it('never throws when fetch itself throws', async () => {
    const { log, lines } = capturedLog();
    const sender = alerter({
      log,
      webhookUrl: 'http://127.0.0.1:9/hooks',
      attempts: 2,
      backoffMs: 1,
      fetch: () => {
        throw new TypeError('fetch failed synchronously');
      },
    });
    expect(() => sender.send(failoverAlert())).not.toThrow();
    await sender.close(2000);
    expect(lines.filter((line) => line.level === 'error')).toHaveLength(1);
  });

  it('returns from send at once while the webhook hangs, and close() waits no longer than asked', async () => {
    const hook = await webhook(['hang']);
    const { log } = capturedLog();
    const sender = alerter({ log, webhookUrl: hook.url, attempts: 1, timeoutMs: 10_000 });

    const sendStarted = performance.now();
    sender.send(failoverAlert());
    expect(performance.now() - sendStarted).toBeLessThan(50);
    await vi.waitFor(() => expect(hook.requests).toHaveLength(1), { timeout: 2000, interval: 5 });

    const closeStarted = performance.now();
    await sender.close(100);
    const waited = performance.now() - closeStarted;
    expect(waited).toBeGreaterThanOrEqual(99);
    expect(waited).toBeLessThan(2000);
  });

  it('abandons an attempt the webhook does not answer within timeoutMs, and tries again', async () => {
    const hook = await webhook(['hang', 200]);
    const { log, lines } = capturedLog();
    const sender = alerter({ log, webhookUrl: hook.url, attempts: 2, backoffMs: 1, timeoutMs: 100 });
    sender.send(failoverAlert());
    await sender.close(5000);
    expect(hook.requests).toHaveLength(2);
    expect(lines.filter((line) => line.msg === 'alert webhook unreachable')).toHaveLength(1);
    expect(lines.filter((line) => line.level === 'error')).toHaveLength(0);
  });
});

describe('createAlerter without a webhook', () => {
  it('only logs: one warning per alert, no HTTP request', async () => {
    const { log, lines } = capturedLog();
    const calls: unknown[] = [];
    const sender = alerter({
      log,
      fetch: async (input) => {
        calls.push(input);
        return new Response(null, { status: 204 });
      },
    });
    const alert = failoverAlert();
    sender.send(alert);
    sender.send({ ...alert, event: 'attempts_exhausted', text: 'signal sig-1 failed 20 times' });
    const closeStarted = performance.now();
    await sender.close(5000);
    expect(performance.now() - closeStarted).toBeLessThan(1000);

    expect(calls).toEqual([]);
    expect(lines.map((line) => [line.level, line.msg])).toEqual([
      ['warn', `ALERT failover: ${alert.text}`],
      ['warn', 'ALERT attempts_exhausted: signal sig-1 failed 20 times'],
    ]);
    expect(lines[0]?.alert).toEqual(alert);
  });
});
