/**
 * What the failover machine starts from and what it hands on: the context of a policy that has
 * seen nothing, the descriptions the statechart page shows, and transition reasons that the
 * persisted format (`TRANSITION_REASONS`) accepts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TOP_STATES } from '../../machines/engines.js';
import { failoverMachine } from '../../machines/executionFailover.js';
import { EMPTY_WINDOW } from '../../machines/callWindow.js';
import { TRANSITION_REASONS } from '../../machines/policy.js';
import { FailoverHarness, SETTINGS } from './failoverHarness.js';

const harnesses: FailoverHarness[] = [];

afterEach(() => {
  for (const harness of harnesses.splice(0)) harness.stop();
});

function started(settings = SETTINGS): FailoverHarness {
  const harness = new FailoverHarness(settings);
  harnesses.push(harness);
  return harness;
}

describe('a policy that has seen nothing', () => {
  it('is on the primary with nothing counted, nothing armed and no time of stability known', () => {
    const harness = started();
    expect(harness.snapshot().value).toBe('primaryActive');
    // The start event carries no time: the primary's stability is unknown, not "since undefined".
    expect(harness.context()).toEqual({
      settings: SETTINGS,
      failures: { lean_self_hosted: 0, quanttrader_pybroker: 0, nautilus_trader: 0 },
      probeHealthy: { lean_self_hosted: null, quanttrader_pybroker: null, nautilus_trader: null },
      healthyStreaks: { lean_self_hosted: 0, quanttrader_pybroker: 0, nautilus_trader: 0 },
      recoveryTimeoutSeconds: SETTINGS.recoveryTimeoutSeconds,
      recoveryDeadline: null,
      recoveryArmedAt: null,
      failback: null,
      stableSince: null,
      pausedReason: null,
      lastTransition: null,
      history: [],
      windows: { lean_self_hosted: EMPTY_WINDOW, quanttrader_pybroker: EMPTY_WINDOW, nautilus_trader: EMPTY_WINDOW },
      rateTrips: { lean_self_hosted: null, quanttrader_pybroker: null, nautilus_trader: null },
      maintenance: { lean_self_hosted: null, quanttrader_pybroker: null, nautilus_trader: null },
    });
  });
});

describe('the statechart page', () => {
  it('has a description for every top-level state', () => {
    for (const state of TOP_STATES) {
      const description = failoverMachine.root.states[state]?.description;
      expect(description, state).toMatch(/\w{3,}/);
    }
  });
});

describe('the reasons of the transitions', () => {
  it('are all ones the persisted format accepts, whichever rule moved the policy', () => {
    const manual = started();
    manual.trip('lean_self_hosted');
    manual.reachDeadline();
    manual.probeUntilRecovered({ lean_self_hosted: true });
    manual.send({ type: 'SWITCH', engine: 'nautilus_trader' });
    manual.send({ type: 'PAUSE', reason: 'end of day' });
    manual.send({ type: 'RESUME' });
    manual.trip('lean_self_hosted');
    manual.trip('quanttrader_pybroker');
    manual.trip('nautilus_trader');

    const automatic = started({ ...SETTINGS, autoResume: true });
    automatic.trip('lean_self_hosted');
    automatic.trip('quanttrader_pybroker');
    automatic.trip('nautilus_trader');
    automatic.reachDeadline();
    automatic.probeUntilRecovered({ lean_self_hosted: true });

    const reasons = [...manual.context().history, ...automatic.context().history].map((record) => record.reason);
    expect(new Set(reasons)).toEqual(new Set(['threshold', 'recovered', 'operator', 'all_engines_failed', 'auto_resume']));
    for (const reason of reasons) expect(TRANSITION_REASONS).toContain(reason);
  });
});
