/**
 * Only the pause that maintenance caused ends by itself when a maintenance ends: an operator's
 * pause stays until the operator resumes, whether it was given the reason "maintenance" or came
 * on top of a maintenance pause.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FailoverHarness } from './failoverHarness.js';

let harness: FailoverHarness;

afterEach(() => harness.stop());

/** Every engine put into maintenance, the one in use last each time: the policy pauses for maintenance. */
function maintainEveryEngine(): void {
  harness = new FailoverHarness();
  for (const engine of ['lean_self_hosted', 'quanttrader_pybroker', 'nautilus_trader'] as const) {
    harness.send({ type: 'MAINTENANCE_STARTED', engine, reason: 'gateway restart', until: null });
  }
  expect(harness.snapshot().value).toEqual({ paused: 'holding' });
  expect(harness.context().pausedReason).toBe('maintenance');
}

describe('the end of a maintenance', () => {
  it('resumes the pause that maintenance caused, to the engine back in service', () => {
    maintainEveryEngine();
    const after = harness.send({ type: 'MAINTENANCE_ENDED', engine: 'quanttrader_pybroker' });
    expect(after.value).toEqual({ backup1Active: 'waiting' });
    expect(after.context.lastTransition?.reason).toBe('maintenance_over');
  });

  it('leaves an operator’s pause given the reason "maintenance" as it is', () => {
    harness = new FailoverHarness();
    harness.send({ type: 'MAINTENANCE_STARTED', engine: 'nautilus_trader', reason: 'gateway restart', until: null });
    harness.send({ type: 'PAUSE', reason: 'maintenance' });
    const after = harness.send({ type: 'MAINTENANCE_ENDED', engine: 'nautilus_trader' });
    expect(after.value).toEqual({ paused: 'holding' });
    expect(after.context.pausedReason).toBe('maintenance');
    expect(after.context.maintenance.nautilus_trader).toBeNull();
  });

  it('leaves the pause as it is once an operator has paused on top of the maintenance pause', () => {
    maintainEveryEngine();
    harness.send({ type: 'PAUSE', reason: 'investigating the gateways' });
    const after = harness.send({ type: 'MAINTENANCE_ENDED', engine: 'lean_self_hosted' });
    expect(after.value).toEqual({ paused: 'holding' });
    expect(after.context.pausedReason).toBe('investigating the gateways');
    expect(after.context.maintenance.lean_self_hosted).toBeNull();
  });
});
