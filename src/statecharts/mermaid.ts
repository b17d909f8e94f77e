/** The chart as a Mermaid `stateDiagram-v2`, for the page GitHub renders. */
import type { AnyStateMachine } from 'xstate';
import { chartOf, drawnTransitions, isStrictDescendant, type ChartState, type ChartTransition } from './chart.js';
import { transitionLabel } from './labels.js';
import { GENERATED_NOTICE } from './notice.js';

/**
 * A Mermaid `stateDiagram-v2` of `machine`: every state (substates nested in composite states),
 * `[*]` markers for initial states, and one edge per target of every transition that has one,
 * labelled with its trigger, guard and params. Transitions that only run actions are left out
 * (the README lists them). Ids are paths with `_` for dots: `backup1Active_waiting`.
 */
export function mermaid(machine: AnyStateMachine): string {
  const chart = chartOf(machine);
  const edges = drawnTransitions(chart).flatMap((transition) =>
    transition.targets.map((target) => ({ transition, target })),
  );
  // Left to right keeps Mermaid's labels apart better than top to bottom for this many edges.
  const lines = ['stateDiagram-v2', `  %% ${GENERATED_NOTICE}`, '  direction LR'];
  const write = (state: ChartState, indent: string): void => {
    if (state.initial !== null) lines.push(`${indent}[*] --> ${mermaidId(state.initial)}`);
    for (const child of state.children) {
      const declaration = `${indent}state "${mermaidLabel(child.key)}" as ${mermaidId(child.path)}`;
      if (child.children.length === 0) {
        lines.push(declaration);
        continue;
      }
      lines.push(`${declaration} {`);
      write(child, `${indent}  `);
      lines.push(`${indent}}`);
    }
    // Edges inside a composite state are written in its block so Mermaid lays them out there.
    for (const edge of edges) {
      if (innermostContainer(edge.transition, edge.target, chart.root) === state) {
        lines.push(`${indent}${edgeLine(edge.transition, edge.target)}`);
      }
    }
  };
  write(chart.root, '  ');
  return `${lines.join('\n')}\n`;
}

/** The Mermaid id of the state at `path`: dots (and anything else Mermaid dislikes) become `_`. */
export function mermaidId(path: string): string {
  return path.replace(/[^A-Za-z0-9_]/g, '_');
}

/** A label Mermaid parses on one line: no `;`, `#`, braces or line breaks. */
export function mermaidLabel(text: string): string {
  return text
    .replace(/[\r\n]+/g, ' ')
    .replace(/;/g, ',')
    .replace(/#/g, 'no. ')
    .replace(/\{/g, '(')
    .replace(/\}/g, ')');
}

function edgeLine(transition: ChartTransition, target: string): string {
  return `${mermaidId(transition.source)} --> ${mermaidId(target)} : ${mermaidLabel(transitionLabel(transition))}`;
}

/** The deepest state that holds both ends of the edge strictly inside it (the root at worst). */
function innermostContainer(transition: ChartTransition, target: string, root: ChartState): ChartState {
  let container = root;
  for (;;) {
    const next = container.children.find(
      (child) => isStrictDescendant(transition.source, child.path) && isStrictDescendant(target, child.path),
    );
    if (next === undefined) return container;
    container = next;
  }
}
