/**
 * The model tests cover the whole machine: every transition definition (each guarded candidate,
 * each `after` and `always` transition) is taken by a replayed case and has a spec. Adding a
 * transition without making it reachable and specified fails here, naming it.
 */
import { createMachine } from 'xstate';
import { getStateNodes } from 'xstate/graph';
import { describe, expect, it } from 'vitest';
import { failoverMachine } from '../../machines/executionFailover.js';
import { coverageReport, exercisedTransitions } from './coverage.js';
import { TRANSITION_SPECS } from './expectations.js';
import { MODEL_INPUTS } from './inputs.js';
import { shortestCases } from './traversal.js';
import { TransitionIndex, enumerateTransitions } from './transitions.js';

const index = new TransitionIndex();
const { cases, explorations } = shortestCases(MODEL_INPUTS, index);

function listed(keys: readonly string[]): string {
  return keys.length === 0 ? 'none' : keys.map((key) => `\n  - ${key}`).join('');
}

describe('coverage of the failover statechart by the model tests', () => {
  it('takes every transition of the machine and has a spec for each', () => {
    const report = coverageReport(index, exercisedTransitions(cases.values(), index), TRANSITION_SPECS);
    const explored = explorations.map((found) => `${found.input.name}: ${found.states} states`).join(', ');
    // Soft, so one run lists all three kinds of gap.
    expect.soft(report.uncovered, `transitions no case takes (${explored}):${listed(report.uncovered)}`).toEqual([]);
    expect.soft(report.unspecified, `transitions without a spec in expectations.ts:${listed(report.unspecified)}`).toEqual([]);
    expect.soft(report.stale, `spec keys the machine does not have:${listed(report.stale)}`).toEqual([]);
  });

  it('puts every transition in exactly one spec family', () => {
    const families = index.transitions.map((transition) => ({
      key: transition.key,
      families: TRANSITION_SPECS.filter((spec) => spec.keys.includes(transition.key)).map((spec) => spec.family),
    }));
    expect(families.filter((entry) => entry.families.length !== 1)).toEqual([]);
  });

  it('enumerates the delayed and eventless transitions and each guarded candidate of the machine', () => {
    const nodes = [failoverMachine.root, ...getStateNodes(failoverMachine.root)];
    const delayed = nodes.reduce((count, node) => count + node.after.length, 0);
    const eventless = nodes.reduce((count, node) => count + (node.always?.length ?? 0), 0);
    const candidates = nodes.reduce((count, node) => count + [...node.transitions.values()].reduce((sum, list) => sum + list.length, 0), 0);
    const keys = index.transitions.map((transition) => transition.key);
    expect(keys.filter((key) => key.includes(' after(recoveryDelay) '))).toHaveLength(delayed);
    expect(keys.filter((key) => key.includes(' always '))).toHaveLength(eventless);
    // `transitions` holds the delayed ones too, under their internal event: counted once.
    expect(keys).toHaveLength(candidates + eventless);
    expect(delayed).toBeGreaterThan(0);
    expect(eventless).toBeGreaterThan(0);
  });

  it('reports a transition that no case takes and no spec lists', () => {
    // A toy machine with one candidate the cases never take: the report must name it.
    const toy = createMachine({
      id: 'toy',
      initial: 'idle',
      states: {
        idle: {
          on: { GO: [{ guard: 'ready', target: 'busy' }, { target: 'busy' }] },
          after: { 1000: 'busy' },
        },
        busy: { always: { target: 'idle' } },
      },
    });
    const toyIndex = new TransitionIndex(enumerateTransitions(toy.root));
    const keys = toyIndex.transitions.map((transition) => transition.key);
    expect(keys).toEqual(['toy.idle GO #0 [ready]', 'toy.idle GO #1 [unguarded]', 'toy.idle after(1000) #0 [unguarded]', 'toy.busy always #0 [unguarded]']);
    const report = coverageReport(toyIndex, new Set(['toy.idle GO #1 [unguarded]']), [
      {
        family: 'go',
        rule: 'GO goes',
        trigger: 'PAUSE',
        keys: ['toy.idle GO #1 [unguarded]', 'toy.idle GONE #0 [unguarded]'],
        applies: () => true,
        next: (state) => state,
      },
    ]);
    expect(report).toEqual({
      uncovered: ['toy.idle GO #0 [ready]', 'toy.idle after(1000) #0 [unguarded]', 'toy.busy always #0 [unguarded]'],
      unspecified: ['toy.idle GO #0 [ready]', 'toy.idle after(1000) #0 [unguarded]', 'toy.busy always #0 [unguarded]'],
      stale: ['toy.idle GONE #0 [unguarded]'],
    });
  });
});
