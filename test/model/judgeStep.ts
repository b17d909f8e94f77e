/**
 * Judges one event against the spec table: the rules due are the ones the machine followed, in
 * order, and the state and context after each microstep are what those rules say.
 */
import { isDeepStrictEqual } from 'node:util';
import { specOf, specsThatApply } from './expectations.js';
import type { ModelEvent } from './modelEvents.js';
import type { PolicyState } from './policyOracle.js';
import type { TransitionKey } from './transitions.js';

/** The judgement of one event. */
export interface StepVerdict {
  /** The state the spec table predicts after each microstep, as far as the rules matched. */
  readonly predictions: readonly PolicyState[];
  /** What went against the spec table, in words; empty when the step conforms. */
  readonly problems: readonly string[];
}

/**
 * Judges `event`, which took the transitions `microsteps` (one list per microstep) from `before`
 * to `after`. An event that took none must be one no rule applies to, and change nothing.
 */
export function judgeStep(before: PolicyState, event: ModelEvent, microsteps: readonly (readonly TransitionKey[])[], after: PolicyState): StepVerdict {
  const predictions: PolicyState[] = [];
  let predicted = before;
  for (const [step, keys] of microsteps.entries()) {
    const due = specsThatApply(predicted, event, step).map((spec) => spec.family);
    if (keys.length !== 1) {
      return { predictions, problems: [`microstep ${step + 1} took ${keys.length} transitions: ${keys.join(', ')}`] };
    }
    const spec = specOf(keys[0]);
    if (spec === undefined) return { predictions, problems: [`no spec family lists ${keys[0]}`] };
    if (!isDeepStrictEqual(due, [spec.family])) {
      return {
        predictions,
        problems: [`microstep ${step + 1} followed "${spec.family}" (${keys[0]}) where the rules due are ${quoted(due)}`],
      };
    }
    predicted = spec.next(predicted, event);
    predictions.push(predicted);
  }
  const stillDue = specsThatApply(predicted, event, Math.max(microsteps.length, 1)).map((spec) => spec.family);
  const problems: string[] = [];
  if (microsteps.length === 0) {
    const due = specsThatApply(before, event, 0).map((spec) => spec.family);
    if (due.length > 0) problems.push(`the machine ignored the event where the rules due are ${quoted(due)}`);
  }
  if (stillDue.length > 0) problems.push(`eventless rules left due after the event: ${quoted(stillDue)}`);
  problems.push(...differences(predicted, after));
  return { predictions, problems };
}

/** The fields in which `actual` differs from `expected`, each with both values. */
export function differences(expected: PolicyState, actual: PolicyState): string[] {
  const found: string[] = [];
  if (!isDeepStrictEqual(expected.value, actual.value)) {
    found.push(`state ${JSON.stringify(actual.value)}, expected ${JSON.stringify(expected.value)}`);
  }
  const wanted = new Map<string, unknown>(Object.entries(expected.context));
  const got = new Map<string, unknown>(Object.entries(actual.context));
  for (const field of new Set([...wanted.keys(), ...got.keys()])) {
    const want = wanted.get(field);
    const have = got.get(field);
    if (!isDeepStrictEqual(want, have)) found.push(`context.${field} ${JSON.stringify(have)}, expected ${JSON.stringify(want)}`);
  }
  return found;
}

function quoted(families: readonly string[]): string {
  return families.length === 0 ? 'none' : families.map((family) => `"${family}"`).join(', ');
}
