/**
 * The scenario parser: what it makes of a valid file, and that every invalid file is refused with
 * a message naming the field and the problem.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_SETTINGS } from '../../machines/policy.js';
import { ScenarioError, parseScenario, parseScenarioText } from '../../src/simulation/scenario.js';

const minimal = { name: 'minimal', signals: { every: 1 }, until: 60 };

function problemsOf(json: unknown): readonly string[] {
  try {
    parseScenario(json);
  } catch (error) {
    if (error instanceof ScenarioError) return error.problems;
    throw error;
  }
  throw new Error('the scenario was accepted');
}

describe('parseScenario: valid files', () => {
  it('fills every policy variable the file leaves out with its default', () => {
    const scenario = parseScenario(minimal);
    expect(scenario.settings).toEqual(DEFAULT_POLICY_SETTINGS);
    expect(scenario.events).toEqual([]);
    expect(scenario.expect).toEqual([]);
  });

  it('maps each section 6 variable to its setting', () => {
    const scenario = parseScenario({
      ...minimal,
      config: {
        EXECUTION_FAILOVER_THRESHOLD: 3,
        EXECUTION_FAILOVER_TIMEOUT: 0.5,
        EXECUTION_FAILOVER_TIMEOUT_MAX: 7,
        EXECUTION_ENGINE_FAILOVER: false,
        EXECUTION_RECOVERY_SUCCESSES: 4,
        EXECUTION_HEALTH_CHECK_INTERVAL: 2.5,
        EXECUTION_AUTO_RESUME: true,
        EXECUTION_FAILURE_RATE_THRESHOLD: 40,
        EXECUTION_FAILURE_RATE_WINDOW: 30,
        EXECUTION_FAILURE_RATE_MIN_CALLS: 10,
        EXECUTION_SLOW_CALL_MS: 4000,
        EXECUTION_SLOW_CALL_RATE_THRESHOLD: 60,
      },
    });
    expect(scenario.settings).toEqual({
      failureThreshold: 3,
      recoveryTimeoutSeconds: 0.5,
      recoveryTimeoutMaxSeconds: 7,
      failoverEnabled: false,
      recoverySuccesses: 4,
      healthCheckIntervalSeconds: 2.5,
      autoResume: true,
      failureRateThreshold: 40,
      failureRateWindowSeconds: 30,
      failureRateMinCalls: 10,
      slowCallMs: 4000,
      slowCallRateThreshold: 60,
    });
  });

  it('orders events and expectations by time, keeping the file order at equal times', () => {
    const scenario = parseScenario({
      ...minimal,
      events: [
        { at: 20, operator: 'resume' },
        { at: 10, engine: 'nautilus_trader', becomes: 'down' },
        { at: 20, operator: 'switch', engine: 'quanttrader_pybroker' },
        { at: 5, operator: 'pause' },
      ],
      expect: [
        { at: 30, state: 'paused' },
        { at: 1, state: 'primaryActive' },
      ],
    });
    expect(scenario.events).toEqual([
      { at: 5, operator: 'pause', reason: 'operator' },
      { at: 10, engine: 'nautilus_trader', becomes: 'down' },
      { at: 20, operator: 'resume' },
      { at: 20, operator: 'switch', engine: 'quanttrader_pybroker' },
    ]);
    expect(scenario.expect.map((expectation) => expectation.at)).toEqual([1, 30]);
  });
});

describe('parseScenario: invalid files', () => {
  it.each([
    ['a missing name', { signals: { every: 1 }, until: 60 }, 'name: is required'],
    ['a missing until', { name: 'x', signals: { every: 1 } }, 'until: is required'],
    ['until that is not a number', { ...minimal, until: 'soon' }, 'until: must be a number of seconds, 0.001 or more, got "soon"'],
    ['signals.every of 0', { ...minimal, signals: { every: 0 } }, 'signals.every: must be a number of seconds, 0.001 or more, got 0'],
    [
      'an interval below the millisecond resolution',
      { ...minimal, config: { EXECUTION_HEALTH_CHECK_INTERVAL: 0.0001 } },
      'config.EXECUTION_HEALTH_CHECK_INTERVAL: must be a number of seconds, 0.001 or more, got 0.0001',
    ],
    ['an unknown top-level field', { ...minimal, expects: [] }, 'the scenario: unknown field "expects"'],
    ['an unknown variable', { ...minimal, config: { EXECUTION_TIMEOUT: 5 } }, 'config: unknown variable "EXECUTION_TIMEOUT"'],
    [
      'a threshold that is not a whole number',
      { ...minimal, config: { EXECUTION_FAILOVER_THRESHOLD: 2.5 } },
      'config.EXECUTION_FAILOVER_THRESHOLD: must be a whole number of 1 or more, got 2.5',
    ],
    [
      'a negative timeout',
      { ...minimal, config: { EXECUTION_FAILOVER_TIMEOUT: -1 } },
      'config.EXECUTION_FAILOVER_TIMEOUT: must be a number of seconds, 0.001 or more, got -1',
    ],
    [
      'a boolean given as a string',
      { ...minimal, config: { EXECUTION_ENGINE_FAILOVER: 'false' } },
      'config.EXECUTION_ENGINE_FAILOVER: must be true or false, got "false"',
    ],
    [
      'a cap below the base timeout',
      { ...minimal, config: { EXECUTION_FAILOVER_TIMEOUT: 600, EXECUTION_FAILOVER_TIMEOUT_MAX: 300 } },
      'config.EXECUTION_FAILOVER_TIMEOUT_MAX: 300 is below EXECUTION_FAILOVER_TIMEOUT 600',
    ],
    [
      'an unknown engine',
      { ...minimal, events: [{ at: 1, engine: 'lean', becomes: 'down' }] },
      'events[0].engine: must be one of lean_self_hosted, quanttrader_pybroker, nautilus_trader, got "lean"',
    ],
    [
      'an unknown engine condition',
      { ...minimal, events: [{ at: 1, engine: 'nautilus_trader', becomes: 'sluggish' }] },
      'events[0].becomes: must be "down", "up", "flaky" or "slow", got "sluggish"',
    ],
    [
      'a slow engine without its latency',
      { ...minimal, events: [{ at: 1, engine: 'nautilus_trader', becomes: 'slow' }] },
      'events[0].latency_ms: "latency_ms" goes with "becomes": "slow", and "slow" needs it',
    ],
    [
      'a latency for an engine that is not slow',
      { ...minimal, events: [{ at: 1, engine: 'nautilus_trader', becomes: 'flaky', latency_ms: 50 }] },
      'events[0].latency_ms: "latency_ms" goes with "becomes": "slow", and "slow" needs it',
    ],
    [
      'a maintenance with an until that is no time',
      { ...minimal, events: [{ at: 1, operator: 'maintenance', engine: 'nautilus_trader', until: 'soon' }] },
      'events[0].until: must be a time in seconds',
    ],
    [
      'an unknown operator action',
      { ...minimal, events: [{ at: 1, operator: 'halt' }] },
      'events[0].operator: must be one of pause, resume, switch, maintenance, maintenance_end, got "halt"',
    ],
    ['a switch without an engine', { ...minimal, events: [{ at: 1, operator: 'switch' }] }, 'events[0].engine: is required'],
    ['an event of no known kind', { ...minimal, events: [{ at: 1, engine: 'nautilus_trader' }] }, 'events[0]: must have either "operator"'],
    [
      'an extra field on an event',
      { ...minimal, events: [{ at: 1, operator: 'resume', engine: 'nautilus_trader' }] },
      'events[0]: unknown field "engine"; accepted: at, operator',
    ],
    ['a negative time', { ...minimal, events: [{ at: -5, operator: 'resume' }] }, 'events[0].at: must be a time in seconds, 0 or more, got -5'],
    ['an event after until', { ...minimal, events: [{ at: 61, operator: 'resume' }] }, 'events[0].at: 61 is after until (60)'],
    [
      'an unknown state',
      { ...minimal, expect: [{ at: 1, state: 'backup3Active' }] },
      'expect[0].state: must be one of primaryActive, backup1Active, backup2Active, paused, got "backup3Active"',
    ],
    ['an expectation after until', { ...minimal, expect: [{ at: 90, state: 'paused' }] }, 'expect[0].at: 90 is after until (60)'],
    [
      'a run too long to simulate',
      { ...minimal, signals: { every: 0.001 }, until: 2000 },
      'signals.every: every 0.001 s until 2000 s makes 2000001 steps; at most 1000000',
    ],
    ['an array instead of an object', [], 'must be a JSON object, got an array'],
  ])('refuses %s', (_case, json, problem) => {
    const problems = problemsOf(json);
    expect(
      problems.some((line) => line.startsWith(problem)),
      `problems: ${problems.join(' | ')}`,
    ).toBe(true);
  });

  it('reports every wrong field at once, each in the message', () => {
    const json = { name: '', signals: { every: 1 }, until: 60, config: { EXECUTION_AUTO_RESUME: 1 } };
    expect(() => parseScenario(json)).toThrow(ScenarioError);
    const problems = problemsOf(json);
    expect(problems).toEqual(['name: must be a non-empty string, got ""', 'config.EXECUTION_AUTO_RESUME: must be true or false, got 1']);
    expect(() => parseScenario(json)).toThrow(/name: must be a non-empty string[\s\S]*EXECUTION_AUTO_RESUME/);
  });

  it('refuses text that is not JSON, keeping the parse error as the cause', () => {
    let caught: unknown;
    try {
      parseScenarioText('{ "name": ');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ScenarioError);
    expect(caught instanceof ScenarioError && caught.problems[0]).toMatch(/^not valid JSON: /);
    expect(caught instanceof Error && caught.cause).toBeInstanceOf(SyntaxError);
  });
});
