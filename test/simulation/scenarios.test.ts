/**
 * The shipped scenarios, run on the simulated clock. Each expected timeline is worked out by hand
 * from the rules of DESIGN section 2 and the simulation's documented order of things (engines
 * start up; probe rounds at 0 and every interval, a requested round restarting the interval;
 * signals at 0 and every `signals.every`; at one instant: timers, scenario events, probes,
 * signals). Defaults: threshold 5, timeout 300 s, 2 healthy probes 10 s apart.
 */
import { describe, expect, it } from 'vitest';
import type { BacklogEntry, RecoveryCheckEntry } from '../../src/simulation/entries.js';
import { runScenario } from '../../src/simulation/run.js';
import { loadScenario, transitionViews, transitionsOf } from './shippedScenarios.js';

describe('LEAN temporary failure', () => {
  const result = runScenario(loadScenario('lean-temporary-failure.json'));

  it('fails over after 5 failures and fails back after the timeout and two healthy probes', () => {
    expect(transitionViews(result)).toEqual([
      // LEAN down at 10: the signals at 10, 11, 12, 13 and 14 fail; the fifth trips it.
      { at: 14, from: 'primaryActive', to: 'backup1Active', reason: 'threshold' },
      // Deadline 14 + 300 = 314: the check resets the streak and probes at once (healthy: 1);
      // the interval restarts, so the second healthy probe is at 324.
      { at: 324, from: 'backup1Active', to: 'primaryActive', reason: 'recovered' },
      { at: 900, from: 'primaryActive', to: 'paused', reason: 'operator' },
      // Every engine's last probe was healthy, so resume goes to the primary.
      { at: 950, from: 'paused', to: 'primaryActive', reason: 'operator' },
      { at: 990, from: 'primaryActive', to: 'backup2Active', reason: 'operator' },
    ]);
  });

  it('reports the counts, the alert and the next check with the failover', () => {
    const [failover] = transitionsOf(result);
    expect(failover).toMatchObject({
      failures: { lean_self_hosted: 5, quanttrader_pybroker: 0, nautilus_trader: 0 },
      alerts: ['failover'],
      recoveryTimeoutSeconds: 300,
      nextRecoveryCheckAt: 314,
    });
  });

  it('holds the signals of the pause and sends them to LEAN on resume', () => {
    const backlog = result.timeline.filter((entry): entry is BacklogEntry => entry.kind === 'backlog');
    // Signals at 900 … 949 arrive while paused.
    expect(backlog).toEqual([{ kind: 'backlog', at: 950, count: 50, engine: 'lean_self_hosted' }]);
  });

  it('meets every expectation of the file', () => {
    expect(result.expectations.filter((expectation) => !expectation.met)).toEqual([]);
    expect(result.expectations).toHaveLength(11);
  });
});

describe('LEAN extended failure', () => {
  const result = runScenario(loadScenario('lean-extended-failure.json'));

  it('stays on the backup through failed recovery checks, then fails back once LEAN is stable', () => {
    expect(transitionViews(result)).toEqual([
      { at: 14, from: 'primaryActive', to: 'backup1Active', reason: 'threshold' },
      // Checks at 314, 614 and 914 fail; LEAN is up from 1000, so the check at 1214 sees it
      // healthy at 1214 and again at 1224.
      { at: 1224, from: 'backup1Active', to: 'primaryActive', reason: 'recovered' },
    ]);
  });

  it('schedules each failed check one timeout later', () => {
    const failed = result.timeline.filter(
      (entry): entry is Extract<RecoveryCheckEntry, { outcome: 'failed' }> => entry.kind === 'recoveryCheck' && entry.outcome === 'failed',
    );
    expect(failed.map(({ at, nextRecoveryCheckAt }) => ({ at, nextRecoveryCheckAt }))).toEqual([
      { at: 314, nextRecoveryCheckAt: 614 },
      { at: 614, nextRecoveryCheckAt: 914 },
      { at: 914, nextRecoveryCheckAt: 1214 },
    ]);
    expect(failed.every((entry) => entry.probe.lean_self_hosted === false)).toBe(true);
  });

  it('meets every expectation of the file', () => {
    expect(result.expectations.filter((expectation) => !expectation.met)).toEqual([]);
  });
});

describe('All engines fail', () => {
  const result = runScenario(loadScenario('all-engines-fail.json'));

  it('fails over down the chain, pauses, and waits for the operator', () => {
    expect(transitionViews(result)).toEqual([
      { at: 14, from: 'primaryActive', to: 'backup1Active', reason: 'threshold' },
      // QuantTrader down at 30: signals 30 … 34. NautilusTrader's probe at 30 was healthy.
      { at: 34, from: 'backup1Active', to: 'backup2Active', reason: 'threshold' },
      // NautilusTrader down at 50: signals 50 … 54; the others' last probes (at 50) failed.
      { at: 54, from: 'backup2Active', to: 'paused', reason: 'all_engines_failed' },
      // Healthy again from 100, but without auto-resume only the operator's resume at 200 leaves.
      { at: 200, from: 'paused', to: 'primaryActive', reason: 'operator' },
    ]);
  });

  it('alerts when pausing and keeps every signal of the pause', () => {
    expect(transitionsOf(result)[2]).toMatchObject({ alerts: ['paused'], pausedReason: 'all_engines_failed' });
    // Signals 55 … 199 waited; none was lost.
    expect(result.timeline).toContainEqual({ kind: 'backlog', at: 200, count: 145, engine: 'lean_self_hosted' });
    const end = result.timeline.at(-1);
    expect(end?.kind === 'end' && end.signals.waiting).toBe(0);
  });

  it('meets every expectation of the file', () => {
    expect(result.expectations.filter((expectation) => !expectation.met)).toEqual([]);
  });
});

describe('All engines fail, auto-resume', () => {
  const result = runScenario(loadScenario('all-engines-fail-auto-resume.json'));

  it('resumes by itself after the timeout and two healthy probes', () => {
    expect(transitionViews(result)).toEqual([
      { at: 14, from: 'primaryActive', to: 'backup1Active', reason: 'threshold' },
      { at: 34, from: 'backup1Active', to: 'backup2Active', reason: 'threshold' },
      { at: 54, from: 'backup2Active', to: 'paused', reason: 'all_engines_failed' },
      // Deadline 54 + 300 = 354: healthy at 354 and 364.
      { at: 364, from: 'paused', to: 'primaryActive', reason: 'auto_resume' },
    ]);
    expect(result.expectations.filter((expectation) => !expectation.met)).toEqual([]);
  });
});

describe('Flapping primary', () => {
  // Timeout 60 s, cap 200 s.
  const result = runScenario(loadScenario('flapping-primary.json'));

  it('fails back later each time LEAN trips soon after a switch back', () => {
    expect(transitionViews(result)).toEqual([
      { at: 14, from: 'primaryActive', to: 'backup1Active', reason: 'threshold' },
      // Deadline 74; healthy at 74 and 84.
      { at: 84, from: 'backup1Active', to: 'primaryActive', reason: 'recovered' },
      // Down at 100, trips at 104: 20 s after the switch back, within 60 s.
      { at: 104, from: 'primaryActive', to: 'backup1Active', reason: 'threshold' },
      // Deadline 104 + 120 = 224; healthy at 224 and 234.
      { at: 234, from: 'backup1Active', to: 'primaryActive', reason: 'recovered' },
      // Down at 250, trips at 254: within 120 s of 234.
      { at: 254, from: 'primaryActive', to: 'backup1Active', reason: 'threshold' },
      // Deadline 254 + 200 = 454 (240 capped at 200); healthy at 454 and 464.
      { at: 464, from: 'backup1Active', to: 'primaryActive', reason: 'recovered' },
      // Down at 700, trips at 704: 240 s after the switch back, more than the 200 s timeout.
      { at: 704, from: 'primaryActive', to: 'backup1Active', reason: 'threshold' },
      // Back to the base: deadline 764; healthy at 764 and 774.
      { at: 774, from: 'backup1Active', to: 'primaryActive', reason: 'recovered' },
    ]);
  });

  it('doubles the recovery timeout, caps it, and lets it decay after a stable timeout', () => {
    const failovers = transitionsOf(result).filter((entry) => entry.to === 'backup1Active');
    expect(
      failovers.map(({ at, recoveryTimeoutSeconds, previousRecoveryTimeoutSeconds, nextRecoveryCheckAt }) => ({
        at,
        timeout: recoveryTimeoutSeconds,
        was: previousRecoveryTimeoutSeconds,
        nextCheck: nextRecoveryCheckAt,
      })),
    ).toEqual([
      { at: 14, timeout: 60, was: 60, nextCheck: 74 },
      { at: 104, timeout: 120, was: 60, nextCheck: 224 },
      { at: 254, timeout: 200, was: 120, nextCheck: 454 },
      { at: 704, timeout: 60, was: 200, nextCheck: 764 },
    ]);
  });

  it('is still on the backup when the base timeout would have failed back', () => {
    // With the base 60 s the second failover (104) would check at 164 and fail back at 174.
    const at200 = result.expectations.find((expectation) => expectation.at === 200);
    expect(at200).toMatchObject({ expected: 'backup1Active', actual: 'backup1Active', met: true });
    expect(result.expectations.filter((expectation) => !expectation.met)).toEqual([]);
  });
});
