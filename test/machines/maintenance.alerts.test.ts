/**
 * What an operator's pager hears when maintenance moves execution: the active engine put into
 * maintenance is a failover (execution moved to another engine) or a pause (none left).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FailoverHarness } from './failoverHarness.js';

let harness: FailoverHarness;

afterEach(() => harness.stop());

describe('alerts of a maintenance on the active engine', () => {
  it('moving execution to the next engine alerts a failover', () => {
    harness = new FailoverHarness();
    harness.send({ type: 'MAINTENANCE_STARTED', engine: 'lean_self_hosted', reason: 'gateway restart', until: null }, 0);
    expect(harness.snapshot().value).toEqual({ backup1Active: 'waiting' });
    expect(harness.alerts).toEqual(['failover']);
  });

  it('with every other engine in maintenance, the pause alerts a pause', () => {
    harness = new FailoverHarness();
    harness.send({ type: 'MAINTENANCE_STARTED', engine: 'quanttrader_pybroker', reason: 'upgrade', until: null }, 0);
    harness.send({ type: 'MAINTENANCE_STARTED', engine: 'nautilus_trader', reason: 'upgrade', until: null }, 0);
    expect(harness.alerts).toEqual([]);
    harness.send({ type: 'MAINTENANCE_STARTED', engine: 'lean_self_hosted', reason: 'gateway restart', until: null }, 0);
    expect(harness.snapshot().value).toEqual({ paused: 'holding' });
    expect(harness.alerts).toEqual(['paused']);
  });
});
