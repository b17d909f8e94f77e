/** The window arithmetic and the window rules, on literal calls and times. */
import { describe, expect, it } from 'vitest';
import { EMPTY_WINDOW, countsAt, recordCall, shareReaches, type CallWindow } from '../../machines/callWindow.js';
import { rateTripOf, recordAfterCall } from '../../machines/callRules.js';
import { DEFAULT_POLICY_SETTINGS, initialContext, type PolicySettings } from '../../machines/policy.js';

const WINDOW_MS = 60_000;
const T0 = Date.UTC(2026, 11, 2, 1, 0, 0);

function calls(list: readonly { at: number; failed?: boolean; slow?: boolean }[]): CallWindow {
  return list.reduce<CallWindow>(
    (window, call) => recordCall(window, { at: call.at, failed: call.failed ?? false, slow: call.slow ?? false }, WINDOW_MS),
    EMPTY_WINDOW,
  );
}

describe('call window', () => {
  it('counts calls, failures and slow calls in one-second buckets', () => {
    const window = calls([{ at: T0 }, { at: T0 + 200, failed: true }, { at: T0 + 1500, slow: true }]);
    expect(window).toEqual([
      { start: T0, calls: 2, failures: 1, slow: 0 },
      { start: T0 + 1000, calls: 1, failures: 0, slow: 1 },
    ]);
    expect(countsAt(window, T0 + 2000, WINDOW_MS)).toEqual({ calls: 3, failures: 1, slow: 1 });
  });

  it('lets a bucket go once its start is a full window old', () => {
    const window = calls([{ at: T0, failed: true }, { at: T0 + 30_000 }]);
    expect(countsAt(window, T0 + 59_999, WINDOW_MS).calls).toBe(2);
    expect(countsAt(window, T0 + 60_000, WINDOW_MS)).toEqual({ calls: 1, failures: 0, slow: 0 });
    expect(recordCall(window, { at: T0 + 60_000, failed: false, slow: false }, WINDOW_MS)).toHaveLength(2);
  });

  it('keeps a late call in its own bucket, in time order', () => {
    const window = calls([{ at: T0 + 5000 }, { at: T0 + 1000 }]);
    expect(window.map((bucket) => bucket.start)).toEqual([T0 + 1000, T0 + 5000]);
  });

  it('compares shares without rounding at the boundary', () => {
    expect(shareReaches(1, 2, 50)).toBe(true);
    expect(shareReaches(49, 100, 50)).toBe(false);
    expect(shareReaches(1, 3, 33.4)).toBe(false);
    expect(shareReaches(0, 0, 1)).toBe(false);
  });
});

describe('window rules', () => {
  const settings: PolicySettings = {
    ...DEFAULT_POLICY_SETTINGS,
    failureRateThreshold: 50,
    failureRateMinCalls: 4,
    slowCallMs: 1000,
    slowCallRateThreshold: 75,
  };

  it('trips only with the minimum of calls, failure share first', () => {
    const three = calls([
      { at: T0, failed: true },
      { at: T0, failed: true },
      { at: T0, failed: true },
    ]);
    expect(rateTripOf(settings, three, T0)).toBeNull();
    const four = calls([
      { at: T0, failed: true, slow: true },
      { at: T0, failed: true, slow: true },
      { at: T0, slow: true },
      { at: T0, slow: true },
    ]);
    expect(rateTripOf(settings, four, T0)).toBe('failure_rate');
    const slow = calls([
      { at: T0, slow: true },
      { at: T0, slow: true },
      { at: T0, slow: true },
      { at: T0, failed: true },
    ]);
    expect(rateTripOf(settings, slow, T0)).toBe('slow_calls');
    expect(rateTripOf({ ...settings, failureRateThreshold: null, slowCallMs: null }, four, T0)).toBeNull();
  });

  it('marks an engine not in use tripped by a window rule and empties its window', () => {
    let context = initialContext(settings);
    for (const durationMs of [2000, 2000, 2000]) {
      context = { ...context, ...recordAfterCall(context, { type: 'EXECUTION_SUCCEEDED', engine: 'nautilus_trader', at: T0, durationMs }) };
    }
    expect(context.rateTrips.nautilus_trader).toBeNull();
    const tripped = recordAfterCall(context, { type: 'EXECUTION_SUCCEEDED', engine: 'nautilus_trader', at: T0, durationMs: 10 });
    expect(tripped.rateTrips.nautilus_trader).toBe('slow_calls');
    expect(tripped.windows.nautilus_trader).toEqual([]);
    expect(tripped.failures.nautilus_trader).toBe(0);
  });

  it('keeps no window while both rules are off', () => {
    const context = initialContext(DEFAULT_POLICY_SETTINGS);
    expect(recordAfterCall(context, { type: 'EXECUTION_FAILED', engine: 'lean_self_hosted', at: T0, durationMs: 9000 }).windows.lean_self_hosted).toEqual([]);
  });
});
