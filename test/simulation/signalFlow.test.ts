/**
 * Signals with actions and quantities in the simulator, and position affinity there (contract
 * section 13): an exit follows its position across a failover, waits for its engine and gives up
 * after EXECUTION_POSITION_WAIT; without affinity the same exit opens a short on the active engine.
 */
import { describe, expect, it } from 'vitest';
import type { TimelineEntry } from '../../src/simulation/entries.js';
import { runScenario } from '../../src/simulation/run.js';
import { parseScenario, ScenarioError, type Scenario } from '../../src/simulation/scenario.js';
import { loadScenario, transitionViews } from './shippedScenarios.js';

function scenario(fields: Record<string, unknown>): Scenario {
  return parseScenario({ name: 'test', signals: { every: 1 }, until: 100, ...fields });
}

function endOf(timeline: readonly TimelineEntry[]) {
  const end = timeline.at(-1);
  if (end?.kind !== 'end') throw new Error('the run has no end entry');
  return end;
}

const positionEntries = (timeline: readonly TimelineEntry[]) =>
  timeline.filter((entry) => entry.kind === 'affinity' || entry.kind === 'positionWait' || entry.kind === 'positionUnavailable');

describe('the shipped scenario: exit follows its position', () => {
  const result = runScenario(loadScenario('exit-follows-position.json'));

  it('fails over at the first BUY and back at 40 s', () => {
    expect(transitionViews(result)).toEqual([
      { at: 0, from: 'primaryActive', to: 'backup1Active', reason: 'threshold' },
      { at: 40, from: 'backup1Active', to: 'primaryActive', reason: 'recovered' },
    ]);
    expect(result.expectations.every((expectation) => expectation.met)).toBe(true);
  });

  it('sends the SELL of 60 s to backup 1, which holds the long, then holds the SELL of 120 s for it and gives up at 160 s', () => {
    expect(positionEntries(result.timeline)).toEqual([
      { kind: 'affinity', at: 60, engine: 'quanttrader_pybroker', action: 'SELL', quantity: 10 },
      { kind: 'positionWait', at: 120, engine: 'quanttrader_pybroker' },
      { kind: 'positionUnavailable', at: 160, engine: 'quanttrader_pybroker', action: 'SELL', quantity: 20 },
    ]);
  });

  it('ends with each account holding what was executed on it, and the BUY that waited behind the exit executed on LEAN', () => {
    expect(endOf(result.timeline).signals).toEqual({
      // LEAN: BUY_TO_OPEN 10 at 90 s and the BUY 5 of 150 s, sent at 160 s; the first BUY failed.
      executed: { lean_self_hosted: 2, quanttrader_pybroker: 2, nautilus_trader: 0 },
      failed: { lean_self_hosted: 1, quanttrader_pybroker: 0, nautilus_trader: 0 },
      waiting: 0,
      positionUnavailable: 1,
      positions: { lean_self_hosted: 15, quanttrader_pybroker: 20, nautilus_trader: 0 },
    });
  });
});

describe('position affinity in the simulator', () => {
  // LEAN trips at 0; the BUY of 30 s opens on backup 1; the policy fails back at 40 s; SELL at 60 s.
  const failoverThenExit = (affinity: boolean) =>
    scenario({
      config: { EXECUTION_FAILOVER_THRESHOLD: 1, EXECUTION_FAILOVER_TIMEOUT: 30, EXECUTION_POSITION_AFFINITY: affinity },
      signals: { every: 30, actions: ['BUY', 'BUY', 'SELL'], quantities: [30] },
      events: [
        { at: 0, engine: 'lean_self_hosted', becomes: 'down' },
        { at: 25, engine: 'lean_self_hosted', becomes: 'up' },
      ],
      until: 80,
    });

  it('closes the long on the engine that opened it', () => {
    const { timeline } = runScenario(failoverThenExit(true));
    expect(endOf(timeline).signals.positions).toEqual({ lean_self_hosted: 0, quanttrader_pybroker: 0, nautilus_trader: 0 });
  });

  it('without affinity, opens a short on the primary and leaves the long on backup 1', () => {
    const { timeline } = runScenario(failoverThenExit(false));
    expect(positionEntries(timeline)).toEqual([]);
    expect(endOf(timeline).signals.positions).toEqual({ lean_self_hosted: -30, quanttrader_pybroker: 30, nautilus_trader: 0 });
  });

  it('holds nothing while paused, exits included', () => {
    const run = runScenario(
      scenario({
        config: { EXECUTION_POSITION_AFFINITY: true },
        signals: { every: 10, actions: ['BUY', 'SELL'], quantities: [5] },
        events: [
          { at: 5, operator: 'pause', reason: 'desk closed' },
          { at: 40, operator: 'resume' },
        ],
        until: 40,
      }),
    );
    // BUY at 0 executed; SELL 10, BUY 20, SELL 30 held; at 40 they go with the BUY of 40.
    expect(run.timeline).toContainEqual({ kind: 'backlog', at: 40, count: 3, engine: 'lean_self_hosted' });
    expect(endOf(run.timeline).signals).toMatchObject({ executed: { lean_self_hosted: 5 }, positions: { lean_self_hosted: 5 } });
  });

  it('sends a *_TO_CLOSE with no position anywhere to the active engine', () => {
    const run = runScenario(
      scenario({ config: { EXECUTION_POSITION_AFFINITY: true }, signals: { every: 10, actions: ['SELL_TO_CLOSE'], quantities: [3] }, until: 5 }),
    );
    expect(endOf(run.timeline).signals.positions).toEqual({ lean_self_hosted: -3, quanttrader_pybroker: 0, nautilus_trader: 0 });
  });

  it('keeps plain signals without actions as before: no positions, no waits', () => {
    const run = runScenario(scenario({ config: { EXECUTION_POSITION_AFFINITY: true }, until: 10 }));
    expect(endOf(run.timeline).signals).toMatchObject({
      positionUnavailable: 0,
      positions: { lean_self_hosted: 0, quanttrader_pybroker: 0, nautilus_trader: 0 },
    });
  });
});

describe('scenario files: signal patterns', () => {
  const problemsOf = (fields: Record<string, unknown>): readonly string[] => {
    try {
      scenario(fields);
    } catch (error) {
      if (error instanceof ScenarioError) return error.problems;
      throw error;
    }
    throw new Error('the scenario was accepted');
  };

  it('names a wrong action, quantity or affinity variable', () => {
    expect(problemsOf({ signals: { every: 1, actions: ['HOLD'] } })).toEqual([expect.stringMatching(/^signals\.actions\[0\]: .*BUY, SELL/)]);
    expect(problemsOf({ signals: { every: 1, actions: [] } })).toEqual([expect.stringMatching(/^signals\.actions: .*at least one action/)]);
    expect(problemsOf({ signals: { every: 1, quantities: [0] } })).toEqual([expect.stringMatching(/^signals\.quantities\[0\]: .*above 0/)]);
    expect(problemsOf({ config: { EXECUTION_POSITION_AFFINITY: 'yes' } })).toEqual([
      expect.stringMatching(/^config\.EXECUTION_POSITION_AFFINITY: .*true or false/),
    ]);
    expect(problemsOf({ config: { EXECUTION_POSITION_WAITING: 5 } })).toEqual([
      expect.stringMatching(/accepted: .*EXECUTION_POSITION_AFFINITY, EXECUTION_POSITION_WAIT$/),
    ]);
    expect(problemsOf({ signals: { every: 1, side: 'BUY' } })).toEqual([
      expect.stringMatching(/^signals: unknown field "side"; accepted: every, actions, quantities$/),
    ]);
  });

  it('reads the defaults: no actions, quantity 1, affinity off, a wait of 300 s', () => {
    expect(scenario({}).signals).toEqual({ every: 1, actions: null, quantities: [1], affinity: false, positionWaitSeconds: 300 });
  });
});
