/**
 * The window rules on engines the policy is not using (calls still reach them by position
 * affinity): the rule that trips one is the rule the inspector shows until it recovers, its calls
 * go on being counted, and the policy does not fail over to it; and a window shorter than ten
 * seconds counts in tenths of itself.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { EMPTY_WINDOW, countsAt, recordCall } from '../../machines/callWindow.js';
import { FailoverHarness, SETTINGS } from './failoverHarness.js';

let harness: FailoverHarness;

const WINDOW_RULES = {
  ...SETTINGS,
  // Far above the calls made here: only the window rules can trip.
  failureThreshold: 10,
  failureRateThreshold: 60,
  failureRateWindowSeconds: 60,
  failureRateMinCalls: 3,
  slowCallMs: 100,
  slowCallRateThreshold: 50,
};

describe('an engine not in use that a window rule tripped', () => {
  afterEach(() => harness.stop());

  it('stays tripped by that rule, and its later calls are counted, though they would break the other rule', () => {
    harness = new FailoverHarness(WINDOW_RULES);
    for (let n = 0; n < 3; n += 1) harness.send({ type: 'EXECUTION_SUCCEEDED', engine: 'nautilus_trader', durationMs: 500 });
    expect(harness.context().rateTrips.nautilus_trader).toBe('slow_calls');
    for (let n = 0; n < 3; n += 1) harness.send({ type: 'EXECUTION_FAILED', engine: 'nautilus_trader', durationMs: 10 });
    const { rateTrips, windows } = harness.context();
    expect(rateTrips.nautilus_trader).toBe('slow_calls');
    expect(countsAt(windows.nautilus_trader, harness.clock.now(), 60_000)).toEqual({ calls: 3, failures: 3, slow: 0 });
    expect(harness.snapshot().value).toBe('primaryActive');
  });

  it('is not available to fail over to: with the other backup tripped too, the primary’s trip pauses', () => {
    harness = new FailoverHarness({ ...WINDOW_RULES, failureThreshold: 3 });
    for (let n = 0; n < 3; n += 1) harness.send({ type: 'EXECUTION_SUCCEEDED', engine: 'nautilus_trader', durationMs: 500 });
    harness.trip('quanttrader_pybroker');
    const after = harness.trip('lean_self_hosted');
    expect(after.value).toEqual({ paused: 'holding' });
    expect(after.context.lastTransition).toMatchObject({ from: 'primaryActive', to: 'paused', reason: 'all_engines_failed' });
  });
});

describe('a window of five seconds', () => {
  const WINDOW_MS = 5000;
  const T0 = Date.UTC(2026, 11, 2, 3, 0, 0);

  it('counts in half-second buckets: a call leaves it at most half a second before five seconds have passed', () => {
    const window = recordCall(EMPTY_WINDOW, { at: T0 + 700, failed: true, slow: false }, WINDOW_MS);
    expect(window).toEqual([{ start: T0 + 500, calls: 1, failures: 1, slow: 0 }]);
    expect(countsAt(window, T0 + 5499, WINDOW_MS).calls).toBe(1);
    expect(countsAt(window, T0 + 5500, WINDOW_MS).calls).toBe(0);
  });
});
