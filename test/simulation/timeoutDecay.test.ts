/**
 * DESIGN section 2: the doubled recovery timeout "decays back to the base after the engine has been
 * stable for a full timeout". Scenarios once showed two paths where it never decayed, because the
 * decay was worked out from the failback record alone: an operator switch cleared it, and a
 * threshold move up the chain to a recovered primary never set it. The decay now counts from when
 * the primary came into use (`stableSince`), however it did.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/simulation/run.js';
import { parseScenario } from '../../src/simulation/scenario.js';
import { transitionsOf } from './shippedScenarios.js';

/** LEAN flaps once (timeout 60 s doubles to 120 s), then `middle` happens, then LEAN is stable until 1500. */
function flapThen(middle: readonly object[]) {
  return runScenario(
    parseScenario({
      name: 'flap, then a long stable period',
      config: { EXECUTION_FAILOVER_TIMEOUT: 60, EXECUTION_FAILOVER_TIMEOUT_MAX: 200 },
      signals: { every: 1 },
      events: [
        { at: 10, engine: 'lean_self_hosted', becomes: 'down' },
        { at: 30, engine: 'lean_self_hosted', becomes: 'up' },
        { at: 100, engine: 'lean_self_hosted', becomes: 'down' },
        { at: 130, engine: 'lean_self_hosted', becomes: 'up' },
        ...middle,
        { at: 1500, engine: 'lean_self_hosted', becomes: 'down' },
      ],
      until: 1600,
    }),
  );
}

/** The recovery timeout and next check of the last failover to a backup. */
function lastFailover(result: ReturnType<typeof runScenario>) {
  const failover = transitionsOf(result)
    .filter((entry) => entry.to === 'backup1Active')
    .at(-1);
  return { at: failover?.at, timeout: failover?.recoveryTimeoutSeconds, nextCheck: failover?.nextRecoveryCheckAt };
}

describe('a doubled recovery timeout decays after a stable primary, whatever brought it back', () => {
  it('precondition: LEAN flapping once doubles the timeout to 120 s', () => {
    const result = flapThen([]);
    // Trip at 104, 20 s after the switch back at 84: 60 → 120. Switch back at 234.
    expect(transitionsOf(result).find((entry) => entry.at === 104)?.recoveryTimeoutSeconds).toBe(120);
    // Without anything in between, the decay works: stable from 234 to 1504, base timeout.
    expect(lastFailover(result)).toEqual({ at: 1504, timeout: 60, nextCheck: 1564 });
  });

  it('after an operator switch (even to the engine already active)', () => {
    // The switch clears the failback record; the trip at 1504 must still get the base 60 s, not 120.
    const result = flapThen([{ at: 300, operator: 'switch', engine: 'lean_self_hosted' }]);
    expect(lastFailover(result)).toEqual({ at: 1504, timeout: 60, nextCheck: 1564 });
  });

  it('after the backup trips and the policy moves up to a recovered primary', () => {
    // In backup1Active (timeout 120), NautilusTrader is down and QuantTrader trips at 164: the
    // policy moves up to the recovered LEAN by threshold, recording no failback. The trip at 1504
    // must still get the base 60 s, not 120.
    const result = flapThen([
      { at: 150, engine: 'nautilus_trader', becomes: 'down' },
      { at: 160, engine: 'quanttrader_pybroker', becomes: 'down' },
      { at: 170, engine: 'quanttrader_pybroker', becomes: 'up' },
      { at: 170, engine: 'nautilus_trader', becomes: 'up' },
    ]);
    expect(transitionsOf(result).find((entry) => entry.at === 164)).toMatchObject({
      from: 'backup1Active',
      to: 'primaryActive',
      reason: 'threshold',
    });
    expect(lastFailover(result)).toEqual({ at: 1504, timeout: 60, nextCheck: 1564 });
  });
});
