/**
 * Loading the scenario files shipped in `statecharts/scenarios/`, and the views of a run the tests
 * compare against timelines worked out by hand.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { SimulationResult, TransitionEntry } from '../../src/simulation/entries.js';
import { parseScenarioText, type Scenario } from '../../src/simulation/scenario.js';

/** The directory of the shipped scenario files. */
export const SCENARIO_DIR = fileURLToPath(new URL('../../statecharts/scenarios/', import.meta.url));

/** The path of a shipped scenario file. */
export function scenarioPath(file: string): string {
  return `${SCENARIO_DIR}${file}`;
}

/** A shipped scenario, parsed. */
export function loadScenario(file: string): Scenario {
  return parseScenarioText(readFileSync(scenarioPath(file), 'utf8'));
}

/** A transition as the hand-made timelines write it. */
export interface TransitionView {
  readonly at: number;
  readonly from: string;
  readonly to: string;
  readonly reason: string;
}

/** The run's transitions, entries of other kinds left out. */
export function transitionsOf(result: SimulationResult): TransitionEntry[] {
  return result.timeline.filter((entry): entry is TransitionEntry => entry.kind === 'transition');
}

/** The run's transitions as (time, from, to, reason). */
export function transitionViews(result: SimulationResult): TransitionView[] {
  return transitionsOf(result).map(({ at, from, to, reason }) => ({ at, from, to, reason }));
}
