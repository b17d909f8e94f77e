/**
 * The diagram in the project README, between `<!-- statechart:begin -->` and `<!-- statechart:end -->`:
 * regenerated with the rest of `statecharts/`, so the README never shows a stale chart.
 */
import { resolve } from 'node:path';
import type { AnyStateMachine } from 'xstate';
import { STATECHARTS_DIR } from './location.js';
import { mermaid } from './render.js';

/** The project README's path. */
export const PROJECT_README = resolve(STATECHARTS_DIR, '../README.md');

const BEGIN = '<!-- statechart:begin -->';
const END = '<!-- statechart:end -->';

/** The Markdown that stands between the markers: the Mermaid diagram GitHub draws, and the SVG. */
export function readmeDiagramBlock(machine: AnyStateMachine): string {
  return [
    BEGIN,
    '```mermaid',
    mermaid(machine).trimEnd(),
    '```',
    '',
    'The same chart laid out by ELK, every arrow labelled with its event, guard or delay (the drawing the',
    'inspector highlights): [statecharts/failover.svg](statecharts/failover.svg).',
    END,
  ].join('\n');
}

/**
 * `readme` with its diagram block replaced by `block`.
 * @throws when the README lacks the markers, naming them.
 */
export function withDiagramBlock(readme: string, block: string): string {
  const begin = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (begin < 0 || end < begin) {
    throw new Error(`README.md has no diagram block: add the lines ${BEGIN} and ${END} where the chart goes.`);
  }
  return readme.slice(0, begin) + block + readme.slice(end + END.length);
}
