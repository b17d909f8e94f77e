/**
 * Maintenance that ends by itself: with several engines in maintenance until different times,
 * each ends at its own `until`, the earliest first, on the machine's own timer.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FailoverHarness } from './failoverHarness.js';

let harness: FailoverHarness;

afterEach(() => harness.stop());

/** Both backups in maintenance: nautilus until `late`, quanttrader until `early`. */
function twoBackupsInMaintenance(): { early: number; late: number } {
  harness = new FailoverHarness();
  const now = harness.clock.now();
  const early = now + 600_000;
  const late = now + 1_200_000;
  harness.send({ type: 'MAINTENANCE_STARTED', engine: 'nautilus_trader', reason: 'broker upgrade', until: late }, 0);
  harness.send({ type: 'MAINTENANCE_STARTED', engine: 'quanttrader_pybroker', reason: 'gateway restart', until: early }, 0);
  return { early, late };
}

describe('maintenance with an until', () => {
  it('ends for each engine at its own until, the earlier one first', () => {
    const { early, late } = twoBackupsInMaintenance();

    harness.clock.set(early - 1);
    expect(harness.context().maintenance.quanttrader_pybroker).not.toBeNull();
    harness.clock.set(early);
    expect(harness.context().maintenance.quanttrader_pybroker).toBeNull();
    expect(harness.context().maintenance.nautilus_trader).toEqual({ reason: 'broker upgrade', until: late });

    harness.clock.set(late);
    expect(harness.context().maintenance.nautilus_trader).toBeNull();
    expect(harness.snapshot().value).toBe('primaryActive');
  });

  it('still ends the later one at its until when an operator ended the earlier one first', () => {
    const { early, late } = twoBackupsInMaintenance();
    harness.clock.set(early - 10_000);
    harness.send({ type: 'MAINTENANCE_ENDED', engine: 'quanttrader_pybroker' }, 0);
    expect(harness.context().maintenance.quanttrader_pybroker).toBeNull();
    harness.clock.set(late - 1);
    expect(harness.context().maintenance.nautilus_trader).not.toBeNull();
    harness.clock.set(late);
    expect(harness.context().maintenance.nautilus_trader).toBeNull();
  });

  it('paused with every engine in maintenance: resumes at the first until, alerting it, and ends the others at theirs', () => {
    harness = new FailoverHarness();
    const now = harness.clock.now();
    const first = now + 600_000;
    const second = now + 900_000;
    const third = now + 1_200_000;
    harness.send({ type: 'MAINTENANCE_STARTED', engine: 'quanttrader_pybroker', reason: 'upgrade', until: second }, 0);
    harness.send({ type: 'MAINTENANCE_STARTED', engine: 'nautilus_trader', reason: 'upgrade', until: third }, 0);
    harness.send({ type: 'MAINTENANCE_STARTED', engine: 'lean_self_hosted', reason: 'gateway restart', until: first }, 0);
    expect(harness.snapshot().value).toEqual({ paused: 'holding' });
    harness.clock.set(first);
    expect(harness.snapshot().value).toBe('primaryActive');
    expect(harness.alerts).toEqual(['paused', 'resumed']);
    harness.clock.set(second);
    expect(harness.context().maintenance.quanttrader_pybroker).toBeNull();
    harness.clock.set(third);
    expect(harness.context().maintenance.nautilus_trader).toBeNull();
  });
});
