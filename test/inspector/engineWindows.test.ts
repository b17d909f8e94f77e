import { describe, expect, it } from 'vitest';
import { recordCall } from '../../machines/callWindow.js';
import { DEFAULT_POLICY_SETTINGS, initialContext, type FailoverContext } from '../../machines/policy.js';
import { windowsView } from '../../src/inspector/engineWindows.js';

const T0 = 1_800_000_000_000;

function withCalls(context: FailoverContext, calls: readonly { at: number; failed: boolean; slow: boolean }[]): FailoverContext {
  const windowMs = context.settings.failureRateWindowSeconds * 1000;
  const window = calls.reduce((sum, call) => recordCall(sum, call, windowMs), context.windows.lean_self_hosted);
  return { ...context, windows: { ...context.windows, lean_self_hosted: window } };
}

describe('windowsView', () => {
  it('gives each engine its calls and shares at the time asked, and the thresholds of the rules that are on', () => {
    const settings = {
      ...DEFAULT_POLICY_SETTINGS,
      failureRateThreshold: 40,
      failureRateWindowSeconds: 10,
      failureRateMinCalls: 4,
      slowCallMs: 800,
      slowCallRateThreshold: 30,
    };
    const context = withCalls(initialContext(settings), [
      { at: T0, failed: true, slow: false },
      { at: T0 + 1000, failed: false, slow: true },
      { at: T0 + 2000, failed: false, slow: false },
      { at: T0 + 9500, failed: true, slow: false },
    ]);
    const view = windowsView(context, T0 + 9500);
    expect(view.rules).toEqual({ failureRate: { thresholdPercent: 40 }, slowCalls: { thresholdPercent: 30 }, slowCallMs: 800, minCalls: 4, windowSeconds: 10 });
    const lean = view.engines.find((entry) => entry.engine === 'lean_self_hosted');
    expect(lean).toEqual({
      engine: 'lean_self_hosted',
      calls: 4,
      failures: 2,
      slow: 1,
      failurePercent: 50,
      slowPercent: 25,
      failureReached: true,
      slowReached: false,
      trippedBy: null,
    });
    expect(view.engines.filter((entry) => entry.engine !== 'lean_self_hosted').map((entry) => [entry.calls, entry.failurePercent])).toEqual([
      [0, null],
      [0, null],
    ]);

    // Twelve and a half seconds on, the first three calls have slid out of the window.
    const later = windowsView(context, T0 + 12_500).engines[0];
    expect(later).toMatchObject({ calls: 1, failures: 1, failurePercent: 100, slowPercent: 0, failureReached: true, slowReached: false });
  });

  it('says a rule is off by a null threshold, and names the rule that tripped an engine', () => {
    const context = initialContext(DEFAULT_POLICY_SETTINGS);
    const tripped = { ...context, rateTrips: { ...context.rateTrips, quanttrader_pybroker: 'slow_calls' as const } };
    const view = windowsView(tripped, T0);
    expect(view.rules.failureRate.thresholdPercent).toBeNull();
    expect(view.rules.slowCalls.thresholdPercent).toBeNull();
    expect(view.rules.slowCallMs).toBeNull();
    expect(view.engines.map((entry) => entry.trippedBy)).toEqual([null, 'slow_calls', null]);
  });
});
