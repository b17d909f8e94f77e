/**
 * Ping-pong is the engine switched back to tripping again soon: a quick trip of another engine
 * after a failback (here the primary went into maintenance, so a backup took over again) keeps the
 * recovery timeout as it is.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FailoverHarness, SETTINGS } from './failoverHarness.js';

let harness: FailoverHarness;

afterEach(() => harness.stop());

describe('a quick trip after a failback', () => {
  it('does not double the timeout when the engine that trips is not the one failed back to', () => {
    harness = new FailoverHarness();
    harness.trip('lean_self_hosted');
    harness.reachDeadline();
    expect(harness.probeUntilRecovered({ lean_self_hosted: true }).value).toBe('primaryActive');

    const moved = harness.send({ type: 'MAINTENANCE_STARTED', engine: 'lean_self_hosted', reason: 'gateway restart', until: null });
    expect(moved.value).toEqual({ backup1Active: 'waiting' });
    const tripped = harness.trip('quanttrader_pybroker');
    expect(tripped.value).toEqual({ backup2Active: 'waiting' });
    expect(harness.armedTimeoutSeconds()).toBe(SETTINGS.recoveryTimeoutSeconds);
    expect(tripped.context.recoveryTimeoutSeconds).toBe(SETTINGS.recoveryTimeoutSeconds);
  });
});
