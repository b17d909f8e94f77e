/**
 * The failover machine at its exact boundaries: the ping-pong window and the decay of a doubled
 * recovery timeout at exactly one timeout and one millisecond before it, and the length of the
 * transition history. The model's stories are a second or more away from these edges.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FailoverHarness, SETTINGS } from './failoverHarness.js';

const { recoveryTimeoutSeconds: base, recoveryTimeoutMaxSeconds: max } = SETTINGS;
const PRIMARY_HEALTHY = { lean_self_hosted: true };

let harness: FailoverHarness;

afterEach(() => harness.stop());

/** Waits out the recovery timeout and lets the primary recover; returns when it took over. */
function failBack(): number {
  harness.reachDeadline();
  expect(harness.probeUntilRecovered(PRIMARY_HEALTHY).value).toBe('primaryActive');
  return harness.clock.now();
}

/**
 * The primary trips once, fails back, trips again at once (the timeout doubles to twice the
 * base) and fails back again: it is in use with a doubled timeout, watched for ping-pong.
 * Returns when it took over the second time.
 */
function primaryBackWithDoubledTimeout(): number {
  harness.trip('lean_self_hosted');
  failBack();
  harness.trip('lean_self_hosted');
  expect(harness.armedTimeoutSeconds()).toBe(base * 2);
  const back = failBack();
  expect(harness.context().recoveryTimeoutSeconds).toBe(base * 2);
  return back;
}

/** The primary's tripping failure comes exactly at `at` (the failures before it just before). */
function tripPrimaryAt(at: number): void {
  const { failureThreshold } = harness.context().settings;
  for (let n = 1; n < failureThreshold; n += 1) harness.send({ type: 'EXECUTION_FAILED', engine: 'lean_self_hosted' });
  harness.send({ type: 'EXECUTION_FAILED', engine: 'lean_self_hosted' }, at - harness.clock.now());
  expect(harness.snapshot().value).toEqual({ backup1Active: 'waiting' });
}

describe('the ping-pong window and the decay, at their edges', () => {
  it('doubles again for a trip one millisecond inside one timeout of the failback', () => {
    harness = new FailoverHarness();
    const back = primaryBackWithDoubledTimeout();
    tripPrimaryAt(back + base * 2 * 1000 - 1);
    expect(harness.armedTimeoutSeconds()).toBe(Math.min(base * 4, max));
  });

  it('decays to the base for a trip exactly one timeout after the failback: the primary was stable that long', () => {
    harness = new FailoverHarness();
    const back = primaryBackWithDoubledTimeout();
    tripPrimaryAt(back + base * 2 * 1000);
    expect(harness.armedTimeoutSeconds()).toBe(base);
    expect(harness.context().recoveryTimeoutSeconds).toBe(base);
  });

  it('keeps the doubled timeout for an operator switch one millisecond before a full timeout of stability', () => {
    harness = new FailoverHarness();
    const back = primaryBackWithDoubledTimeout();
    harness.send({ type: 'SWITCH', engine: 'quanttrader_pybroker' }, back + base * 2 * 1000 - 1 - harness.clock.now());
    expect(harness.armedTimeoutSeconds()).toBe(base * 2);
  });

  it('decays to the base for an operator switch exactly a full timeout of stability after the failback', () => {
    harness = new FailoverHarness();
    const back = primaryBackWithDoubledTimeout();
    harness.send({ type: 'SWITCH', engine: 'quanttrader_pybroker' }, back + base * 2 * 1000 - harness.clock.now());
    expect(harness.armedTimeoutSeconds()).toBe(base);
  });
});

describe('the transition history', () => {
  it('keeps the last 50 transitions, oldest first, and the newest as the last transition', () => {
    harness = new FailoverHarness();
    const made: { to: string; at: number }[] = [];
    for (let n = 0; n < 53; n += 1) {
      const engine = n % 2 === 0 ? 'quanttrader_pybroker' : 'lean_self_hosted';
      harness.send({ type: 'SWITCH', engine });
      made.push({ to: n % 2 === 0 ? 'backup1Active' : 'primaryActive', at: harness.clock.now() });
    }
    const { history, lastTransition } = harness.context();
    expect(history.map(({ to, at }) => ({ to, at }))).toEqual(made.slice(3));
    expect(history.every((record) => record.reason === 'operator')).toBe(true);
    expect(lastTransition).toEqual(history[49]);
  });
});
