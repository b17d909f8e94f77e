/**
 * A policy restored from its persisted state, as the service restores it after a restart:
 * XState does not re-arm a restored `after` timer (statelyai/xstate#5331), so `RESTORED` must,
 * from the deadline kept in the context. The model's tests send `RESTORED` to a live actor,
 * whose own timer would fire at the deadline anyway; these restore a fresh one.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FailoverHarness, START, type StoredPolicy } from './failoverHarness.js';

const harnesses: FailoverHarness[] = [];

afterEach(() => {
  for (const harness of harnesses.splice(0)) harness.stop();
});

function started(options: ConstructorParameters<typeof FailoverHarness>[1] = {}): FailoverHarness {
  const harness = new FailoverHarness(undefined, options);
  harnesses.push(harness);
  return harness;
}

/** A policy on the backup, waiting for its recovery deadline, persisted; and that deadline. */
function storedWhileWaiting(): { stored: StoredPolicy; deadline: number } {
  const before = started();
  before.trip('lean_self_hosted');
  const { recoveryDeadline } = before.context();
  if (recoveryDeadline === null) throw new Error('The trip armed no recovery deadline.');
  return { stored: before.stored(), deadline: recoveryDeadline };
}

/**
 * Puts nautilus into maintenance until `until` while `before` is in `state`, restores the policy
 * `restartAfterMs` later, and checks that the restored one ends the maintenance exactly at `until`.
 */
function restoredWithMaintenanceUntil(before: FailoverHarness, until: number, state: unknown, restartAfterMs: number): FailoverHarness {
  before.send({ type: 'MAINTENANCE_STARTED', engine: 'nautilus_trader', reason: 'broker upgrade', until }, 0);
  expect(before.snapshot().value).toEqual(state);
  const after = started({ start: before.clock.now() + restartAfterMs, restoreFrom: before.stored() });
  after.send({ type: 'RESTORED' }, 0);
  after.clock.set(until - 1);
  expect(after.context().maintenance.nautilus_trader).not.toBeNull();
  after.clock.set(until);
  expect(after.context().maintenance.nautilus_trader).toBeNull();
  return after;
}

describe('a restored policy', () => {
  it('starts the recovery check at the deadline it kept, counted from the restart', () => {
    const { stored, deadline } = storedWhileWaiting();
    const restartedAt = START + 100_000;
    const after = started({ start: restartedAt, restoreFrom: stored });
    after.send({ type: 'RESTORED' }, 0);
    expect(after.context().recoveryArmedAt).toBe(restartedAt);
    expect(after.context().recoveryDeadline).toBe(deadline);

    after.clock.set(deadline - 1);
    expect(after.snapshot().value).toEqual({ backup1Active: 'waiting' });
    expect(after.healthChecks).toBe(0);
    after.clock.set(deadline);
    expect(after.snapshot().value).toEqual({ backup1Active: 'checking' });
    expect(after.healthChecks).toBe(1);
  });

  it('starts the recovery check at once when the deadline passed while it was down', () => {
    const { stored, deadline } = storedWhileWaiting();
    const after = started({ start: deadline + 60_000, restoreFrom: stored });
    after.send({ type: 'RESTORED' }, 0);
    after.clock.set(after.clock.now());
    expect(after.snapshot().value).toEqual({ backup1Active: 'checking' });
    expect(after.healthChecks).toBe(1);
  });

  it('starts a recovery check it was in over, asking for a probe round', () => {
    const before = started();
    before.trip('lean_self_hosted');
    before.reachDeadline();
    before.send({ type: 'HEALTH_CHECKED', results: { lean_self_hosted: true } }, 10_000);
    expect(before.context().healthyStreaks.lean_self_hosted).toBe(1);

    const after = started({ start: before.clock.now() + 5_000, restoreFrom: before.stored() });
    after.send({ type: 'RESTORED' }, 0);
    expect(after.snapshot().value).toEqual({ backup1Active: 'checking' });
    expect(after.context().healthyStreaks.lean_self_hosted).toBe(0);
    expect(after.healthChecks).toBe(1);
  });

  it('waiting for its recovery deadline, re-arms the end of a maintenance with an until', () => {
    const before = started();
    before.trip('lean_self_hosted');
    const { recoveryDeadline } = before.context();
    if (recoveryDeadline === null) throw new Error('The trip armed no recovery deadline.');
    // Ends before the recovery deadline, so the restored policy is still waiting then.
    const until = before.clock.now() + Math.floor((recoveryDeadline - before.clock.now()) / 2);
    const after = restoredWithMaintenanceUntil(before, until, { backup1Active: 'waiting' }, 1);
    expect(after.snapshot().value).toEqual({ backup1Active: 'waiting' });
  });

  it('in a recovery check, re-arms the end of a maintenance with an until', () => {
    const before = started();
    before.trip('lean_self_hosted');
    before.reachDeadline();
    const until = before.clock.now() + 600_000;
    restoredWithMaintenanceUntil(before, until, { backup1Active: 'checking' }, 5_000);
  });
});
