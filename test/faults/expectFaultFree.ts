/** The vitest side of a fault scenario: runs it and asserts the guarantee, explaining any failure. */
import { expect } from 'vitest';
import { explainFaultResult, runFaultScenario, type FaultResult, type FaultScenario } from '../support/faultScenario.js';
import { faultScenario } from './scenarios.js';

/** How long one fault test may take: its scenario's deadlines plus the service's start-ups. */
export const FAULT_TEST_TIMEOUT_MS = 60_000;

/**
 * Runs the scenario `id` (or the scenario given) and asserts that it ran to the end, lost nothing, executed nothing twice,
 * recorded exactly one outcome per signal, left nothing unsettled or orphaned at an engine, and that every check held.
 * Answers the result, for a caller that reports more of it.
 */
export async function expectFaultFree(scenario: string | FaultScenario, options: { maxFindings?: number } = {}): Promise<FaultResult> {
  const result = await runFaultScenario(typeof scenario === 'string' ? faultScenario(scenario) : scenario);
  const explanation = explainFaultResult(result, options.maxFindings);
  expect(result.error, explanation).toBeNull();
  expect(result.tally, explanation).not.toBeNull();
  const { lost, executedTwice, crossEngine, extraOutcomes, unsettled, misattributed, orphans, badIdempotencyKeys } = result.tally ?? {};
  expect({ lost, executedTwice, crossEngine, extraOutcomes, unsettled, misattributed, orphans, badIdempotencyKeys }, explanation).toEqual({
    lost: 0,
    executedTwice: 0,
    crossEngine: 0,
    extraOutcomes: 0,
    unsettled: 0,
    misattributed: 0,
    orphans: 0,
    badIdempotencyKeys: 0,
  });
  expect(
    result.checks.filter((check) => !check.ok).map((check) => `${check.name}: ${check.detail}`),
    explanation,
  ).toEqual([]);
  // A scenario that produced nothing or checked nothing proves nothing.
  expect(result.tally?.sent ?? 0).toBeGreaterThan(0);
  expect(result.checks.length).toBeGreaterThan(0);
  return result;
}
