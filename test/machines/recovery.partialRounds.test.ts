/**
 * Probe rounds that leave engines out (an engine not probed is absent from the results, as when
 * it is not configured): the recovery check judges only the engines a round probed, and an engine
 * left out keeps the healthy streak it had.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ProbeResults } from '../../machines/executionFailover.js';
import { FailoverHarness } from './failoverHarness.js';

let harness: FailoverHarness;

afterEach(() => harness.stop());

function probe(results: ProbeResults) {
  return harness.send({ type: 'HEALTH_CHECKED', results }, harness.context().settings.healthCheckIntervalSeconds * 1000);
}

/** Both higher-priority engines tripped: the last backup is in use, its recovery check running. */
function checkingOnLastBackup(): void {
  harness = new FailoverHarness();
  harness.trip('lean_self_hosted');
  harness.trip('quanttrader_pybroker');
  expect(harness.reachDeadline().value).toEqual({ backup2Active: 'checking' });
}

describe('a recovery check fed rounds that leave engines out', () => {
  it('lets an engine recover by a streak that a round without it did not break', () => {
    checkingOnLastBackup();
    probe({ lean_self_hosted: true, quanttrader_pybroker: true });
    expect(probe({ lean_self_hosted: false }).value).toEqual({ backup2Active: 'checking' });
    const after = probe({ quanttrader_pybroker: true });
    expect(after.value).toEqual({ backup1Active: 'waiting' });
    expect(after.context.lastTransition).toMatchObject({ from: 'backup2Active', to: 'backup1Active', reason: 'recovered' });
  });

  it('fails when every candidate it probed is unhealthy and none has a streak, and waits a timeout again', () => {
    checkingOnLastBackup();
    const failedAt = harness.clock.now() + harness.context().settings.healthCheckIntervalSeconds * 1000;
    const after = probe({ lean_self_hosted: false });
    expect(after.value).toEqual({ backup2Active: 'waiting' });
    expect(after.context.recoveryDeadline).toBe(failedAt + after.context.recoveryTimeoutSeconds * 1000);
  });

  it('goes on checking after a round that probed none of the candidates', () => {
    harness = new FailoverHarness();
    harness.trip('lean_self_hosted');
    harness.reachDeadline();
    const after = probe({ quanttrader_pybroker: true, nautilus_trader: false });
    expect(after.value).toEqual({ backup1Active: 'checking' });
    expect(probe({ lean_self_hosted: true }).value).toEqual({ backup1Active: 'checking' });
    expect(probe({ lean_self_hosted: true }).value).toBe('primaryActive');
  });
});
