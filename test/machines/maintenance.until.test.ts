/**
 * Maintenance that ends by itself: with several engines in maintenance until different times,
 * each ends at its own `until`, the earliest first, on the machine's own timer.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FailoverHarness } from './failoverHarness.js';

let harness: FailoverHarness;

afterEach(() => harness.stop());

describe('maintenance with an until', () => {
  it('ends for each engine at its own until, the earlier one first', () => {
    harness = new FailoverHarness();
    const now = harness.clock.now();
    const early = now + 600_000;
    const late = now + 1_200_000;
    harness.send({ type: 'MAINTENANCE_STARTED', engine: 'nautilus_trader', reason: 'broker upgrade', until: late }, 0);
    harness.send({ type: 'MAINTENANCE_STARTED', engine: 'quanttrader_pybroker', reason: 'gateway restart', until: early }, 0);

    harness.clock.set(early - 1);
    expect(harness.context().maintenance.quanttrader_pybroker).not.toBeNull();
    harness.clock.set(early);
    expect(harness.context().maintenance.quanttrader_pybroker).toBeNull();
    expect(harness.context().maintenance.nautilus_trader).toEqual({ reason: 'broker upgrade', until: late });

    harness.clock.set(late);
    expect(harness.context().maintenance.nautilus_trader).toBeNull();
    expect(harness.snapshot().value).toBe('primaryActive');
  });
});
