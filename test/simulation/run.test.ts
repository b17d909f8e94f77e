/**
 * The simulated world around the machine: the order of things at one instant, probe rounds,
 * held signals, stepping. (The purity the browser needs is ESLint's to check: eslint.config.js.)
 */
import { describe, expect, it } from 'vitest';
import { Simulation, runScenario } from '../../src/simulation/run.js';
import { parseScenario, type Scenario } from '../../src/simulation/scenario.js';
import { loadScenario, transitionViews } from './shippedScenarios.js';

function scenario(fields: Record<string, unknown>): Scenario {
  return parseScenario({ name: 'test', signals: { every: 1 }, until: 100, ...fields });
}

describe('one instant', () => {
  it('applies scenario events before the probe round and the signal of the same second', () => {
    const simulation = new Simulation(
      scenario({
        config: { EXECUTION_FAILOVER_THRESHOLD: 1 },
        events: [{ at: 10, engine: 'lean_self_hosted', becomes: 'down' }],
      }),
    );
    simulation.advanceTo(10);
    const { context } = simulation.snapshot;
    // The probe round at 10 already saw LEAN down, and the signal at 10 failed and tripped it.
    expect(context.probeHealthy.lean_self_hosted).toBe(false);
    expect(context.lastTransition).toEqual({
      from: 'primaryActive',
      to: 'backup1Active',
      reason: 'threshold',
      at: 10_000,
    });
  });

  it('stamps every event with the simulated epoch milliseconds', () => {
    const simulation = new Simulation(loadScenario('lean-temporary-failure.json'));
    simulation.advanceTo(330);
    expect(simulation.snapshot.context.history.map((record) => record.at)).toEqual([14_000, 324_000]);
    expect(simulation.now).toBe(330);
  });

  it('checks an expectation after everything at its time', () => {
    const result = runScenario(
      scenario({
        config: { EXECUTION_FAILOVER_THRESHOLD: 1 },
        events: [{ at: 5, engine: 'lean_self_hosted', becomes: 'down' }],
        expect: [{ at: 5, state: 'backup1Active' }],
      }),
    );
    expect(result.expectations).toEqual([{ at: 5, expected: 'backup1Active', actual: 'backup1Active', met: true }]);
  });
});

describe('probe rounds', () => {
  it('runs one round when the machine asks at the time of a periodic round', () => {
    // LEAN down at 6: signals 6 … 10 trip it at 10. Deadline 10 + 60 = 70, which is also a
    // periodic round. Counted twice, LEAN would recover at 70; counted once, at 80.
    const result = runScenario(
      scenario({
        config: { EXECUTION_FAILOVER_TIMEOUT: 60 },
        events: [
          { at: 6, engine: 'lean_self_hosted', becomes: 'down' },
          { at: 20, engine: 'lean_self_hosted', becomes: 'up' },
        ],
      }),
    );
    expect(transitionViews(result)).toEqual([
      { at: 10, from: 'primaryActive', to: 'backup1Active', reason: 'threshold' },
      { at: 80, from: 'backup1Active', to: 'primaryActive', reason: 'recovered' },
    ]);
  });

  it('restarts the interval after a round the machine asked for', () => {
    // Deadline 14 + 60 = 74: rounds at 74 (asked for) and 84, not at 80.
    const result = runScenario(
      scenario({
        config: { EXECUTION_FAILOVER_TIMEOUT: 60 },
        events: [
          { at: 10, engine: 'lean_self_hosted', becomes: 'down' },
          { at: 20, engine: 'lean_self_hosted', becomes: 'up' },
        ],
      }),
    );
    expect(transitionViews(result).map((transition) => transition.at)).toEqual([14, 84]);
  });
});

describe('signals', () => {
  it('holds signals while paused and sends them, oldest first, after resume', () => {
    const simulation = new Simulation(
      scenario({
        signals: { every: 2 },
        events: [
          { at: 10, operator: 'pause', reason: 'maintenance' },
          { at: 21, operator: 'resume' },
        ],
      }),
    );
    simulation.advanceTo(20);
    // Signals at 10, 12, …, 20 arrived while paused.
    expect(simulation.signalTally.waiting).toBe(6);
    expect(simulation.signalTally.executed.lean_self_hosted).toBe(5);
    const entries = simulation.advanceTo(21);
    expect(entries.map((entry) => entry.kind)).toEqual(['operator', 'transition', 'backlog']);
    expect(simulation.signalTally).toMatchObject({ waiting: 0, executed: { lean_self_hosted: 11 } });
  });

  it('counts each failed attempt on the engine it was sent to', () => {
    const result = runScenario(scenario({ until: 30, events: [{ at: 10, engine: 'lean_self_hosted', becomes: 'down' }] }));
    const end = result.timeline.at(-1);
    expect(end?.kind).toBe('end');
    if (end?.kind !== 'end') return;
    // Signals 0 … 30: 10 succeed on LEAN, 10 … 14 fail on it, 15 … 30 go to the backup.
    expect(end.signals).toEqual({
      executed: { lean_self_hosted: 10, quanttrader_pybroker: 16, nautilus_trader: 0 },
      failed: { lean_self_hosted: 5, quanttrader_pybroker: 0, nautilus_trader: 0 },
      waiting: 0,
      // Plain signals keep no positions.
      positionUnavailable: 0,
      positions: { lean_self_hosted: 0, quanttrader_pybroker: 0, nautilus_trader: 0 },
    });
  });
});

describe('operator actions', () => {
  it('records an action the policy ignores in its state, without a transition', () => {
    const result = runScenario(scenario({ events: [{ at: 5, operator: 'resume' }] }));
    expect(result.timeline).toContainEqual({
      kind: 'operator',
      at: 5,
      action: { at: 5, operator: 'resume' },
      accepted: false,
    });
    expect(transitionViews(result)).toEqual([]);
  });
});

describe('stepping', () => {
  const file = 'lean-temporary-failure.json';

  it('produces the same run one instant at a time as all at once', () => {
    const whole = runScenario(loadScenario(file));
    const simulation = new Simulation(loadScenario(file));
    const stepped = [...simulation.timeline];
    let steps = 0;
    while (!simulation.done) {
      stepped.push(...simulation.step());
      steps += 1;
    }
    expect(stepped).toEqual(whole.timeline);
    expect(simulation.expectations).toEqual(whole.expectations);
    // Signals every second from 0 to 1200: at least one instant per second.
    expect(steps).toBeGreaterThanOrEqual(1201);
    expect(simulation.step()).toEqual([]);
    expect(simulation.nextAt).toBeNull();
  });

  it('advances to a time and returns only what happened up to it', () => {
    const simulation = new Simulation(loadScenario(file));
    const entries = simulation.advanceTo(100);
    expect(entries.map((entry) => [entry.at, entry.kind])).toEqual([
      [10, 'engine'],
      [14, 'transition'],
    ]);
    expect(simulation.now).toBe(100);
    expect(simulation.state).toBe('backup1Active');
    expect(simulation.nextAt).toBe(101);
  });
});
