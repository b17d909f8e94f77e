/** The alerts of the window rules and of maintenance, from a real policy runtime on a simulated clock. */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_SETTINGS, type PolicySettings } from '../../machines/policy.js';
import type { Alert } from '../../src/policy/alerts.js';
import { startPolicyRuntime, type PolicyRuntime } from '../../src/policy/runtime.js';
import { TestClock } from '../support/testClock.js';

const START = Date.parse('2026-12-02T01:00:00.000Z');
const runtimes: PolicyRuntime[] = [];
afterEach(() => runtimes.splice(0).forEach((runtime) => runtime.stop()));

function start(settings: Partial<PolicySettings> = {}) {
  const alerts: Alert[] = [];
  const clock = new TestClock(START);
  const runtime = startPolicyRuntime({
    settings: { ...DEFAULT_POLICY_SETTINGS, ...settings },
    effects: { alert: (alert) => alerts.push(alert), requestHealthCheck: () => {} },
    clock,
  });
  runtimes.push(runtime);
  return { runtime, alerts, clock };
}

describe('alerts of the window rules and maintenance', () => {
  it('names the failure-rate rule and its numbers', () => {
    const { runtime, alerts } = start({ failureRateThreshold: 40, failureRateMinCalls: 5, failureRateWindowSeconds: 30 });
    for (const type of ['EXECUTION_SUCCEEDED', 'EXECUTION_FAILED', 'EXECUTION_SUCCEEDED', 'EXECUTION_SUCCEEDED', 'EXECUTION_FAILED'] as const) {
      runtime.send({ type, engine: 'lean_self_hosted', durationMs: 10 });
    }
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ event: 'failover', from: 'primaryActive', to: 'backup1Active', reason: 'failure_rate' });
    expect(alerts[0]?.text).toBe('Failover: lean_self_hosted failed at least 40 % of its calls in the last 30 s; signals now go to quanttrader_pybroker.');
  });

  it('names the slow-call rule and its numbers', () => {
    const { runtime, alerts } = start({ slowCallMs: 2000, failureRateMinCalls: 2, slowCallRateThreshold: 50 });
    runtime.send({ type: 'EXECUTION_SUCCEEDED', engine: 'lean_self_hosted', durationMs: 4000 });
    runtime.send({ type: 'EXECUTION_SUCCEEDED', engine: 'lean_self_hosted', durationMs: 10 });
    expect(alerts.map((alert) => alert.reason)).toEqual(['slow_calls']);
    expect(alerts[0]?.text).toContain('took longer than 2000 ms');
  });

  it('tells a maintenance move, a maintenance pause and its end apart', () => {
    const { runtime, alerts, clock } = start();
    runtime.send({ type: 'MAINTENANCE_STARTED', engine: 'quanttrader_pybroker', reason: 'upgrade', until: null });
    runtime.send({ type: 'MAINTENANCE_STARTED', engine: 'nautilus_trader', reason: 'upgrade', until: null });
    runtime.send({ type: 'MAINTENANCE_STARTED', engine: 'lean_self_hosted', reason: 'gateway restart', until: START + 60_000 });
    clock.set(START + 60_000);
    expect(alerts.map((alert) => [alert.event, alert.reason])).toEqual([
      ['paused', 'maintenance'],
      ['resumed', 'maintenance_over'],
    ]);
    expect(alerts[0]?.text).toContain('lean_self_hosted went into maintenance (gateway restart, until 2026-12-02T01:01:00.000Z)');
    expect(alerts[1]?.text).toBe('Execution resumed by itself on lean_self_hosted: a maintenance ended.');
  });
});
