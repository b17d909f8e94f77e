/** The numbers the SVG drawing and the README give to the transitions they draw. */
import { drawnTransitions, type Chart, type ChartTransition } from './chart.js';

/** A drawn transition and its number, from 1 in chart order. */
export interface NumberedTransition {
  readonly number: number;
  readonly transition: ChartTransition;
}

/** The chart's drawn transitions (those with a target), numbered from 1 in chart order. */
export function numberedTransitions(chart: Chart): NumberedTransition[] {
  return drawnTransitions(chart).map((transition, index) => ({ number: index + 1, transition }));
}
