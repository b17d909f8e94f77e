/**
 * The readable text of a run: one line per timeline entry, then the expectations and the count.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/simulation/run.js';
import { parseScenario } from '../../src/simulation/scenario.js';
import { formatExpectations, formatReport, formatSeconds } from '../../src/simulation/timeline.js';

describe('formatReport', () => {
  const result = runScenario(
    parseScenario({
      name: 'short',
      signals: { every: 1 },
      events: [
        { at: 2.5, engine: 'lean_self_hosted', becomes: 'down' },
        { at: 9, operator: 'pause', reason: 'lunch' },
      ],
      until: 12,
      expect: [
        { at: 7, state: 'backup1Active' },
        { at: 12, state: 'primaryActive' },
      ],
    }),
  );
  const lines = formatReport(result).split('\n');

  it('prints each transition with its time, reason, failure counts and recovery timeout', () => {
    // Signals at 3 … 7 fail on LEAN.
    expect(lines).toContain(
      '    7 s  primaryActive -> backup1Active (threshold); ' +
        'failures lean_self_hosted=5 quanttrader_pybroker=0 nautilus_trader=0; alert failover; ' +
        'recovery timeout 300 s, next recovery check at 307 s',
    );
    expect(lines).toContain('  2.5 s  lean_self_hosted goes down');
    expect(lines).toContain('    9 s  operator pause (reason: lunch)');
  });

  it('marks the variables the file left at their default', () => {
    expect(lines).toContain('  EXECUTION_FAILOVER_THRESHOLD=5 (default)');
  });

  it('ends with one line per expectation and the count', () => {
    expect(lines.slice(-3)).toEqual(['  met      at 7 s: backup1Active', '  NOT MET  at 12 s: expected primaryActive, was paused', '1/2 expectations met']);
  });
});

describe('formatExpectations', () => {
  it('counts zero of zero when a file expects nothing', () => {
    expect(formatExpectations([])).toBe('0/0 expectations met');
  });
});

describe('formatSeconds', () => {
  it('writes seconds to the millisecond without trailing zeros', () => {
    expect([0, 14, 0.5, 1.2346, 1200].map(formatSeconds)).toEqual(['0 s', '14 s', '0.5 s', '1.235 s', '1200 s']);
  });
});
