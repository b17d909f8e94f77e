/**
 * The shipped scenarios of the window rules and maintenance, on the simulated clock. Timelines
 * worked out by hand as in `scenarios.test.ts`: signals at 0 and every second, probes every 10 s,
 * a flaky engine's first call after the change succeeds and every other one fails.
 */
import { describe, expect, it } from 'vitest';
import type { BacklogEntry, EndEntry } from '../../src/simulation/entries.js';
import { runScenario } from '../../src/simulation/run.js';
import { loadScenario, transitionViews, transitionsOf } from './shippedScenarios.js';

describe('Flaky primary', () => {
  const result = runScenario(loadScenario('flaky-primary.json'));

  it('trips by the failure rate, fails back on healthy probes, and doubles the timeout on the ping-pong', () => {
    expect(transitionViews(result)).toEqual([
      // Calls 0 … 49 are 50, the failures at 11, 13, …, 49 are 20: 40 % reached, never 5 in a row.
      { at: 49, from: 'primaryActive', to: 'backup1Active', reason: 'failure_rate' },
      // Deadline 349: LEAN passes its probes at 349 and 359.
      { at: 359, from: 'backup1Active', to: 'primaryActive', reason: 'recovered' },
      // A fresh window from 359: its tenth call, at 368, makes 5 failures of 10.
      { at: 368, from: 'primaryActive', to: 'backup1Active', reason: 'failure_rate' },
    ]);
    expect(transitionsOf(result)[2]).toMatchObject({ recoveryTimeoutSeconds: 600, failures: { lean_self_hosted: 1 } });
  });

  it('meets every expectation of the file', () => {
    expect(result.expectations.filter((expectation) => !expectation.met)).toEqual([]);
    expect(result.expectations).toHaveLength(3);
  });
});

describe('Slow primary', () => {
  const result = runScenario(loadScenario('slow-primary.json'));

  it('trips by slow calls while every slow call still executes, and fails back once LEAN is fast', () => {
    expect(transitionViews(result)).toEqual([
      // Calls 0 … 19 are 20, the slow ones 10 … 19 are 10: half of them (at 18 it was 9 of 19).
      { at: 19, from: 'primaryActive', to: 'backup1Active', reason: 'slow_calls' },
      { at: 329, from: 'backup1Active', to: 'primaryActive', reason: 'recovered' },
    ]);
    expect(transitionsOf(result)[0]).toMatchObject({ failures: { lean_self_hosted: 0 } });
    const end = result.timeline.find((entry): entry is EndEntry => entry.kind === 'end');
    // All 92 of LEAN's calls executed, slow or not: 0 … 19 (the one at 19 trips it) and 329 … 400.
    expect(end?.signals).toMatchObject({ failed: { lean_self_hosted: 0 }, executed: { lean_self_hosted: 92 } });
  });

  it('meets every expectation of the file', () => {
    expect(result.expectations.filter((expectation) => !expectation.met)).toEqual([]);
  });
});

describe('Nightly gateway restart', () => {
  const result = runScenario(loadScenario('nightly-gateway-restart.json'));

  it('moves away at once, fails back by the regular recovery, and ends a maintenance pause by itself', () => {
    expect(transitionViews(result)).toEqual([
      { at: 60, from: 'primaryActive', to: 'backup1Active', reason: 'maintenance' },
      // The maintenance ended at 330; the check at 60 + 300 decides, with probes at 360 and 370.
      { at: 370, from: 'backup1Active', to: 'primaryActive', reason: 'recovered' },
      { at: 620, from: 'primaryActive', to: 'paused', reason: 'maintenance' },
      // LEAN's until; the other two are still in maintenance.
      { at: 700, from: 'paused', to: 'primaryActive', reason: 'maintenance_over' },
    ]);
    expect(transitionsOf(result)[2]).toMatchObject({ pausedReason: 'maintenance' });
  });

  it('holds the signals of the maintenance pause and sends them to LEAN when it ends', () => {
    const backlog = result.timeline.filter((entry): entry is BacklogEntry => entry.kind === 'backlog');
    expect(backlog).toEqual([{ kind: 'backlog', at: 700, count: 80, engine: 'lean_self_hosted' }]);
  });

  it('meets every expectation of the file', () => {
    expect(result.expectations.filter((expectation) => !expectation.met)).toEqual([]);
    expect(result.expectations).toHaveLength(7);
  });
});
