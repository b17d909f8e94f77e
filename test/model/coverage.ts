/**
 * Which transitions of the machine the model tests exercise, and which they leave out.
 */
import type { TransitionSpec } from './expectations.js';
import { MachineReplay } from './replay.js';
import type { TransitionCase } from './traversal.js';
import type { TransitionIndex, TransitionKey } from './transitions.js';

/** The gaps between the machine, the cases run, and the spec table. */
export interface CoverageReport {
  /** Transitions of the machine that no case takes. */
  readonly uncovered: readonly TransitionKey[];
  /** Transitions of the machine that no spec family lists: nothing says what they must do. */
  readonly unspecified: readonly TransitionKey[];
  /** Keys a spec family lists that the machine does not have (renamed, reordered or removed). */
  readonly stale: readonly TransitionKey[];
}

/** Compares every transition of `index` with the `exercised` ones and the `specs`. */
export function coverageReport(index: TransitionIndex, exercised: ReadonlySet<TransitionKey>, specs: readonly TransitionSpec[]): CoverageReport {
  const all = index.transitions.map((transition) => transition.key);
  const specified = new Set(specs.flatMap((spec) => spec.keys));
  return {
    uncovered: all.filter((key) => !exercised.has(key)),
    unspecified: all.filter((key) => !specified.has(key)),
    stale: [...specified].filter((key) => !all.includes(key)),
  };
}

/**
 * Replays every case on a real actor and collects the transitions its microsteps report:
 * what the per-transition tests exercise, trail included.
 */
export function exercisedTransitions(cases: Iterable<TransitionCase>, index: TransitionIndex): Set<TransitionKey> {
  const exercised = new Set<TransitionKey>();
  for (const found of cases) {
    const replay = new MachineReplay(found.input.input, index);
    try {
      for (const event of [...found.trail, found.event]) {
        for (const microstep of replay.step(event).microsteps) microstep.keys.forEach((key) => exercised.add(key));
      }
    } finally {
      replay.stop();
    }
  }
  return exercised;
}
