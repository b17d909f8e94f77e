/**
 * The files of `statecharts/`, each a function of the machine alone (no I/O): the definition as
 * JSON, a Mermaid diagram, an SVG drawing and the README page that GitHub renders. Async because
 * ELK lays the SVG drawing out asynchronously.
 */
import type { AnyStateMachine } from 'xstate';
import { definitionJson } from './definitionJson.js';
import { SVG_FILE } from './location.js';
import { markdownPage } from './markdown.js';
import { mermaid } from './mermaid.js';
import { svg } from './svg.js';

export { definitionJson } from './definitionJson.js';
export { markdownPage } from './markdown.js';
export { mermaid } from './mermaid.js';
export { svg } from './svg.js';

/** One generated file: its name inside `statecharts/` and its full text. */
export interface StatechartFile {
  readonly name: string;
  readonly content: string;
}

/** Every file `npm run statecharts` writes into `statecharts/`, in a fixed order. */
export async function statechartFiles(machine: AnyStateMachine): Promise<StatechartFile[]> {
  return [
    { name: 'failover.json', content: definitionJson(machine) },
    { name: 'failover.mmd', content: mermaid(machine) },
    { name: SVG_FILE, content: await svg(machine) },
    { name: 'README.md', content: markdownPage(machine) },
  ];
}
