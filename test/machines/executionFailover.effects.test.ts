/**
 * The failover machine's effects: which alert each move raises (the contract's `event` of an
 * alert) and when it asks for a probe round. The spec table of test/model judges state and
 * context only, so these are checked here, on a real actor with the effects recorded.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { EngineId } from '../../machines/engines.js';
import type { PolicyAlertKind } from '../../machines/executionFailover.js';
import { FailoverHarness, SETTINGS } from './failoverHarness.js';

let harness: FailoverHarness;

afterEach(() => harness.stop());

const ALL_HEALTHY = { lean_self_hosted: true, quanttrader_pybroker: true, nautilus_trader: true };

describe('the alert an operator switch raises', () => {
  // Written out rather than derived from the priorities: down the chain is a failover, up it a recovery.
  const cases: readonly { from: EngineId; to: EngineId; kind: PolicyAlertKind }[] = [
    { from: 'lean_self_hosted', to: 'quanttrader_pybroker', kind: 'failover' },
    { from: 'lean_self_hosted', to: 'nautilus_trader', kind: 'failover' },
    { from: 'quanttrader_pybroker', to: 'nautilus_trader', kind: 'failover' },
    { from: 'quanttrader_pybroker', to: 'lean_self_hosted', kind: 'recovery' },
    { from: 'nautilus_trader', to: 'lean_self_hosted', kind: 'recovery' },
    { from: 'nautilus_trader', to: 'quanttrader_pybroker', kind: 'recovery' },
  ];

  for (const { from, to, kind } of cases) {
    it(`is ${kind} for a switch from ${from} to ${to}`, () => {
      harness = new FailoverHarness();
      if (from !== 'lean_self_hosted') harness.send({ type: 'SWITCH', engine: from });
      harness.clearEffects();
      harness.send({ type: 'SWITCH', engine: to });
      expect(harness.alerts).toEqual([kind]);
    });
  }

  it('is none for a switch to the engine already active', () => {
    harness = new FailoverHarness();
    harness.send({ type: 'SWITCH', engine: 'quanttrader_pybroker' });
    harness.clearEffects();
    const after = harness.send({ type: 'SWITCH', engine: 'quanttrader_pybroker' });
    expect(after.value).toEqual({ backup1Active: 'waiting' });
    expect(harness.alerts).toEqual([]);
  });

  it('is resumed for a switch out of the pause', () => {
    harness = new FailoverHarness();
    harness.send({ type: 'PAUSE', reason: 'broker maintenance' });
    harness.clearEffects();
    harness.send({ type: 'SWITCH', engine: 'nautilus_trader' });
    expect(harness.alerts).toEqual(['resumed']);
  });
});

describe('the alerts of the policy’s own moves', () => {
  it('raises failover on each trip, paused when none is left, resumed on the operator’s resume', () => {
    harness = new FailoverHarness();
    harness.trip('lean_self_hosted');
    harness.trip('quanttrader_pybroker');
    expect(harness.alerts).toEqual(['failover', 'failover']);
    harness.trip('nautilus_trader');
    expect(harness.snapshot().value).toEqual({ paused: 'holding' });
    expect(harness.alerts).toEqual(['failover', 'failover', 'paused']);
    harness.send({ type: 'RESUME' });
    expect(harness.snapshot().value).toBe('primaryActive');
    expect(harness.alerts).toEqual(['failover', 'failover', 'paused', 'resumed']);
  });

  it('raises recovery when a recovered engine takes over, and nothing for a failed check', () => {
    harness = new FailoverHarness();
    harness.trip('lean_self_hosted');
    harness.clearEffects();
    harness.reachDeadline();
    harness.send({ type: 'HEALTH_CHECKED', results: { lean_self_hosted: false } });
    expect(harness.snapshot().value).toEqual({ backup1Active: 'waiting' });
    expect(harness.alerts).toEqual([]);
    harness.reachDeadline();
    expect(harness.probeUntilRecovered({ lean_self_hosted: true }).value).toBe('primaryActive');
    expect(harness.alerts).toEqual(['recovery']);
  });

  it('raises paused for an operator’s pause, and nothing for a pause while paused', () => {
    harness = new FailoverHarness();
    harness.send({ type: 'PAUSE', reason: 'end of day' });
    harness.send({ type: 'PAUSE', reason: 'still end of day' });
    expect(harness.context().pausedReason).toBe('still end of day');
    expect(harness.alerts).toEqual(['paused']);
  });

  it('raises resumed when auto-resume brings an engine back', () => {
    harness = new FailoverHarness({ ...SETTINGS, autoResume: true });
    harness.trip('lean_self_hosted');
    harness.trip('quanttrader_pybroker');
    harness.trip('nautilus_trader');
    harness.clearEffects();
    harness.reachDeadline();
    expect(harness.probeUntilRecovered(ALL_HEALTHY).value).toBe('primaryActive');
    expect(harness.context().lastTransition?.reason).toBe('auto_resume');
    expect(harness.alerts).toEqual(['resumed']);
  });
});

describe('the probe rounds the machine asks for', () => {
  it('asks for one when the recovery deadline passes, not before, and again at the next deadline', () => {
    harness = new FailoverHarness();
    harness.trip('lean_self_hosted');
    const { recoveryDeadline } = harness.context();
    if (recoveryDeadline === null) throw new Error('The trip armed no recovery deadline.');
    harness.clock.set(recoveryDeadline - 1);
    expect(harness.healthChecks).toBe(0);
    harness.clock.set(recoveryDeadline);
    expect(harness.snapshot().value).toEqual({ backup1Active: 'checking' });
    expect(harness.healthChecks).toBe(1);
    harness.send({ type: 'HEALTH_CHECKED', results: { lean_self_hosted: false } });
    expect(harness.healthChecks).toBe(1);
    harness.reachDeadline();
    expect(harness.healthChecks).toBe(2);
  });

  it('asks again when a recovery check is restored, since the probes it was waiting for are lost', () => {
    harness = new FailoverHarness();
    harness.trip('lean_self_hosted');
    harness.reachDeadline();
    harness.clearEffects();
    harness.send({ type: 'RESTORED' });
    expect(harness.snapshot().value).toEqual({ backup1Active: 'checking' });
    expect(harness.healthChecks).toBe(1);
  });
});
