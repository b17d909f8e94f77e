/**
 * What the SVG drawing and the inspector agree on to highlight a state: the class and the ids of
 * the state groups. Kept apart from the drawing code so that the page's script, which imports it,
 * does not pull the generator (and ELK) into the browser bundle.
 */

/** The class of a state's `<g>`; the group also carries `data-state="<dotted path>"`. */
export const STATE_CLASS = 'sc-state';

/** The class of a top-level state's `<g>` (a direct child of the machine's root). */
export const TOP_STATE_CLASS = 'sc-top';

/** The class that marks a state's `<g>` as current; the SVG's own style highlights it. */
export const CURRENT_STATE_CLASS = 'current';

/** The `id` of the `<g>` drawing the state at dotted `path`: `state-backup1Active-waiting`. */
export function stateElementId(path: string): string {
  return `state-${path.replace(/\./g, '-')}`;
}
