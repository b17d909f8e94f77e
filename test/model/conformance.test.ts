/**
 * Every step of the explored graph follows the spec table, not only the shortest case of each
 * transition: the traversal reaches each transition from many states (probe streaks built up,
 * engines already tripped, ping-pong in progress), and each of those steps must be the rule due,
 * with the state and context the rule says. Events the machine ignores must be ones no rule
 * applies to.
 */
import { describe, expect, it } from 'vitest';
import { MODEL_INPUTS } from './inputs.js';
import { judgeStep } from './judgeStep.js';
import { describeEvent } from './modelEvents.js';
import { explore, type ExploredStep } from './traversal.js';
import { TransitionIndex } from './transitions.js';

const index = new TransitionIndex();

/** How many nonconforming steps a failure lists: enough to see a pattern, short enough to read. */
const REPORTED = 5;

/** Exploring the larger inputs takes tens of seconds on a loaded two-core machine. */
const EXPLORATION_TIMEOUT_MS = 120_000;

function story(step: ExploredStep): string {
  return [...step.source.trail, step.event].map((event, n) => `    ${n + 1}. ${describeEvent(event)}`).join('\n');
}

describe('every explored step of the failover statechart follows the spec table', () => {
  for (const input of MODEL_INPUTS) {
    it(`under the "${input.name}" input`, { timeout: EXPLORATION_TIMEOUT_MS }, () => {
      const { steps } = explore(input, index);
      const failures: string[] = [];
      for (const step of steps) {
        const { problems } = judgeStep({ value: step.source.machine.value, context: step.source.machine.context }, step.event, step.target.taken, {
          value: step.target.machine.value,
          context: step.target.machine.context,
        });
        if (problems.length > 0) failures.push(`${problems.join('; ')}\n${story(step)}`);
      }
      expect(steps.length).toBeGreaterThan(1000);
      expect(failures.slice(0, REPORTED), `${failures.length} of ${steps.length} steps do not conform`).toEqual([]);
    });
  }
});
