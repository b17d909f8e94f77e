/**
 * The status JSON as a pure function of the policy's state (contract section 5), on states taken
 * from a real runtime on a simulated clock: ping-pong's doubled timeout and its decay, auto-resume's
 * pending check, the role, and the helpers that name states.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { topStateOf, type EngineId } from '../../machines/engines.js';
import { DEFAULT_POLICY_SETTINGS, initialContext, type PolicySettings } from '../../machines/policy.js';
import { startPolicyRuntime, type PolicyRuntime } from '../../src/policy/runtime.js';
import { statePath, statusOf, transitionJson } from '../../src/policy/status.js';
import { TestClock } from '../support/testClock.js';

const START = Date.parse('2026-11-25T14:30:00.000Z');
const iso = (epochMs: number) => new Date(epochMs).toISOString();

const runtimes: PolicyRuntime[] = [];
afterEach(() => {
  for (const runtime of runtimes.splice(0)) runtime.stop();
});

function start(settings: Partial<PolicySettings> = {}): { runtime: PolicyRuntime; clock: TestClock } {
  const clock = new TestClock(START);
  const runtime = startPolicyRuntime({
    settings: { ...DEFAULT_POLICY_SETTINGS, ...settings },
    effects: { alert: () => {}, requestHealthCheck: () => {} },
    clock,
  });
  runtimes.push(runtime);
  return { runtime, clock };
}

function failTimes(runtime: PolicyRuntime, engine: EngineId, count: number): void {
  for (let i = 0; i < count; i++) runtime.send({ type: 'EXECUTION_FAILED', engine });
}

function statusNow(runtime: PolicyRuntime) {
  return statusOf(runtime.state(), { role: 'leader', now: runtime.now(), leaderEpoch: 9 });
}

describe('statusOf', () => {
  it('names the role it is asked for', () => {
    const state = { value: 'primaryActive', context: initialContext(DEFAULT_POLICY_SETTINGS) };
    expect(statusOf(state, { role: 'standby', now: START, leaderEpoch: null }).role).toBe('standby');
    expect(statusOf(state, { role: 'leader', now: START, leaderEpoch: 9 }).role).toBe('leader');
  });

  it('hands out copies, so a caller cannot change the policy through the status', () => {
    const { runtime } = start();
    failTimes(runtime, 'lean_self_hosted', 2);
    const status = statusNow(runtime);
    status.failure_counts.lean_self_hosted = 99;
    expect(runtime.state().context.failures.lean_self_hosted).toBe(2);
  });

  it('reads the top-level state from nested state values', () => {
    const { runtime } = start();
    failTimes(runtime, 'lean_self_hosted', 5);
    expect(runtime.state().value).toEqual({ backup1Active: 'waiting' });
    expect(statusNow(runtime)).toMatchObject({ state: 'backup1Active', active_engine: 'quanttrader_pybroker' });
  });

  it('shows the doubled recovery timeout after ping-pong, and its decay after a stable timeout', () => {
    const { runtime, clock } = start({ recoveryTimeoutSeconds: 300, recoveryTimeoutMaxSeconds: 3600, recoverySuccesses: 1 });
    failTimes(runtime, 'lean_self_hosted', 5);
    clock.increment(300_000);
    expect(runtime.state().value).toEqual({ backup1Active: 'checking' });
    runtime.send({ type: 'HEALTH_CHECKED', results: { lean_self_hosted: true } });
    expect(statusNow(runtime)).toMatchObject({ state: 'primaryActive', recovery_timeout_seconds: 300 });

    // The primary trips again within one timeout of the failback: the next wait doubles.
    clock.increment(10_000);
    failTimes(runtime, 'lean_self_hosted', 5);
    const trippedAt = clock.now();
    expect(statusNow(runtime)).toMatchObject({
      state: 'backup1Active',
      recovery_timeout_seconds: 600,
      next_recovery_check_at: iso(trippedAt + 600_000),
    });

    clock.increment(600_000);
    runtime.send({ type: 'HEALTH_CHECKED', results: { lean_self_hosted: true } });
    expect(statusNow(runtime)).toMatchObject({ state: 'primaryActive', recovery_timeout_seconds: 600 });
    // Stable for a full (doubled) timeout: back to the base, measured at the time of the status.
    clock.increment(599_999);
    expect(statusNow(runtime).recovery_timeout_seconds).toBe(600);
    clock.increment(1);
    expect(statusNow(runtime).recovery_timeout_seconds).toBe(300);
  });

  it('shows the pending auto-resume check while paused', () => {
    const { runtime } = start({ autoResume: true, failureThreshold: 1 });
    failTimes(runtime, 'lean_self_hosted', 1);
    failTimes(runtime, 'quanttrader_pybroker', 1);
    failTimes(runtime, 'nautilus_trader', 1);
    expect(runtime.state().value).toEqual({ paused: { autoResuming: 'waiting' } });
    expect(statusNow(runtime)).toMatchObject({
      state: 'paused',
      active_engine: null,
      paused: true,
      paused_reason: 'all_engines_failed',
      next_recovery_check_at: iso(START + 300_000),
    });
  });

  it('shows no paused reason once the pause is over', () => {
    const { runtime } = start();
    runtime.send({ type: 'PAUSE', reason: 'maintenance' });
    expect(statusNow(runtime).paused_reason).toBe('maintenance');
    runtime.send({ type: 'RESUME' });
    expect(statusNow(runtime)).toMatchObject({ paused: false, paused_reason: null });
  });
});

describe('topStateOf and statePath', () => {
  it.each([
    ['primaryActive', 'primaryActive', 'primaryActive'],
    [{ backup1Active: 'waiting' }, 'backup1Active', 'backup1Active.waiting'],
    [{ backup2Active: 'checking' }, 'backup2Active', 'backup2Active.checking'],
    [{ paused: { autoResuming: 'checking' } }, 'paused', 'paused.autoResuming.checking'],
  ])('reads %j as %s (%s)', (value, top, path) => {
    expect(topStateOf(value)).toBe(top);
    expect(statePath(value)).toBe(path);
  });

  it.each(['running', { standby: 'waiting' }, null, 42, {}])('refuses %j, quoting it', (value) => {
    expect(() => topStateOf(value)).toThrow(`Not a state of the failover statechart: ${JSON.stringify(value)}`);
  });
});

describe('transitionJson', () => {
  it('writes the time as ISO 8601 and keeps the rest', () => {
    const at = START + 1234;
    expect(transitionJson({ from: 'backup2Active', to: 'primaryActive', reason: 'recovered', at })).toEqual({
      from: 'backup2Active',
      to: 'primaryActive',
      reason: 'recovered',
      at: '2026-11-25T14:30:01.234Z',
    });
  });
});
