/**
 * One test per transition of the failover statechart. Each replays, on a real actor and a
 * simulated clock, the shortest event sequence the graph traversal found to the transition's
 * source, fires the transition, and checks every microstep against the spec table: the rule that
 * is due is the one taken, and the state and context are what the rule says.
 */
import { describe, expect, it } from 'vitest';
import type { FailoverSnapshot } from '../../machines/executionFailover.js';
import { specOf } from './expectations.js';
import { judgeStep } from './judgeStep.js';
import { MODEL_INPUTS } from './inputs.js';
import { describeEvent } from './modelEvents.js';
import type { PolicyState } from './policyOracle.js';
import { MachineReplay } from './replay.js';
import { MAX_DEPTH, pendingTimer, shortestCases, type TransitionCase } from './traversal.js';
import { TransitionIndex } from './transitions.js';

const index = new TransitionIndex();
const { cases } = shortestCases(MODEL_INPUTS, index);

function policyState(snapshot: FailoverSnapshot): PolicyState {
  return { value: snapshot.value, context: snapshot.context };
}

function story(found: TransitionCase): string {
  const steps = [...found.trail, found.event].map((event, step) => `  ${step + 1}. ${describeEvent(event)}`);
  return `input "${found.input.name}":\n${steps.join('\n')}`;
}

function familiesOf(keys: readonly string[]): (string | undefined)[] {
  return keys.map((key) => specOf(key)?.family);
}

describe('each transition of the failover statechart', () => {
  for (const transition of index.transitions) {
    it(transition.key, () => {
      const found = cases.get(transition.key);
      if (found === undefined) {
        throw new Error(
          `No sequence of at most ${MAX_DEPTH} model events under the inputs ` +
            `${MODEL_INPUTS.map((input) => `"${input.name}"`).join(', ')} takes this transition.`,
        );
      }
      const spec = specOf(transition.key);
      if (spec === undefined) throw new Error('No family of test/model/expectations.ts lists this transition.');
      const path = story(found);

      const replay = new MachineReplay(found.input.input, index);
      try {
        for (const event of found.trail) replay.step(event);
        const before = replay.snapshot();
        expect(policyState(before), `the actor reaches the traversal's source state\n${path}`).toEqual(policyState(found.source));

        const fired = replay.step(found.event);
        const taken = fired.microsteps.flatMap((microstep) => microstep.keys);
        expect(taken, `the last event takes the transition\n${path}`).toContain(transition.key);

        const verdict = judgeStep(
          policyState(before),
          found.event,
          fired.microsteps.map((microstep) => microstep.keys),
          policyState(fired.after),
        );
        expect(verdict.problems, `the ${spec.family} rule: ${spec.rule}\n${path}`).toEqual([]);
        fired.microsteps.forEach((microstep, step) => {
          expect(microstep.snapshot, `state and context after microstep ${step + 1}\n${path}`).toMatchObject(verdict.predictions[step]);
        });
        expect(policyState(fired.after), `the actor agrees with the traversal\n${path}`).toEqual(policyState(found.target));

        // A timer left pending (the recovery delay or a maintenance end) must fire at the deadline
        // the context records: not a millisecond before (the replay throws then), and at it, as
        // the spec table says.
        const pending = pendingTimer(fired.after);
        if (pending !== null) {
          const elapsed = replay.step(pending);
          const families = familiesOf(elapsed.microsteps.flatMap((microstep) => microstep.keys));
          expect(families[0], `the pending timer fires\n${path}`).toMatch(
            pending.type === 'MAINTENANCE_DUE' ? /^maintenance (ends|over) \(until\)$/ : /^after → checking$/,
          );
          const timerVerdict = judgeStep(
            policyState(elapsed.before),
            pending,
            elapsed.microsteps.map((microstep) => microstep.keys),
            policyState(elapsed.after),
          );
          expect(timerVerdict.problems, `the pending timer's step\n${path}`).toEqual([]);
        }
      } finally {
        replay.stop();
      }
    });
  }
});
