import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMachine, type AnyStateMachine, type AnyStateNode } from 'xstate';
import { TOP_STATES } from '../../machines/engines.js';
import { failoverMachine } from '../../machines/executionFailover.js';
import { DELAY_LEGEND, GUARD_LEGEND, SUBSTATE_LEGEND } from '../../src/statecharts/legend.js';
import { STATECHARTS_DIR } from '../../src/statecharts/location.js';
import { PROJECT_README, readmeDiagramBlock, withDiagramBlock } from '../../src/statecharts/readmeBlock.js';
import { definitionJson, markdownPage, mermaid, statechartFiles, svg } from '../../src/statecharts/render.js';

/** A transition with a target, read straight from XState's state nodes (not from our model). */
interface ExpectedEdge {
  readonly source: string[];
  readonly target: string[];
  readonly trigger: string;
  readonly guard: string | null;
  readonly guardParams: unknown;
}

function allNodes(machine: AnyStateMachine): AnyStateNode[] {
  const nodes: AnyStateNode[] = [];
  const visit = (node: AnyStateNode): void => {
    nodes.push(node);
    Object.values(node.states).forEach(visit);
  };
  visit(machine.root);
  return nodes;
}

function guardOf(guard: unknown): { type: string | null; params: unknown } {
  if (typeof guard === 'string') return { type: guard, params: undefined };
  if (typeof guard === 'object' && guard !== null) {
    const type: unknown = Reflect.get(guard, 'type');
    return { type: typeof type === 'string' ? type : null, params: Reflect.get(guard, 'params') };
  }
  return { type: null, params: undefined };
}

function expectedEdges(machine: AnyStateMachine): ExpectedEdge[] {
  const edges: ExpectedEdge[] = [];
  for (const node of allNodes(machine)) {
    const delays = new Map<unknown, unknown>(node.after.map((delayed) => [delayed, delayed.delay]));
    const definitions = [
      ...[...node.transitions].flatMap(([eventType, list]) =>
        list.map((definition) => ({
          definition,
          trigger: delays.has(definition) ? `after ${String(delays.get(definition))}` : eventType,
        })),
      ),
      ...(node.always ?? []).map((definition) => ({ definition, trigger: 'always' })),
    ];
    for (const { definition, trigger } of definitions) {
      const guard = guardOf(definition.guard);
      for (const target of definition.target ?? []) {
        edges.push({ source: node.path, target: target.path, trigger, guard: guard.type, guardParams: guard.params });
      }
    }
  }
  return edges;
}

const EDGE_LINE = /^\s*(\S+) --> (\S+) : (.*)$/;

function edgeLines(diagram: string): string[] {
  return diagram.split('\n').filter((line) => EDGE_LINE.test(line) && !line.trim().startsWith('[*]'));
}

function firstDifferentLine(actual: string, expected: string): number {
  const a = actual.split('\n');
  const b = expected.split('\n');
  const index = b.findIndex((line, i) => a[i] !== line);
  return (index < 0 ? Math.min(a.length, b.length) : index) + 1;
}

describe('statecharts/ is up to date with machines/', () => {
  it.each(statechartFiles(failoverMachine).map((file) => [file.name, file.content]))(
    'statecharts/%s matches what npm run statecharts generates',
    async (name, expected) => {
      const actual = await readFile(join(STATECHARTS_DIR, name), 'utf8').catch(() => null);
      if (actual === null) {
        expect.fail(`statecharts/${name} is missing: run \`npm run statecharts\` and commit the result.`);
      }
      if (actual !== expected) {
        expect.fail(
          `statecharts/${name} is stale (first difference at line ${firstDifferentLine(actual, expected)}): ` +
            'run `npm run statecharts` and commit the result.',
        );
      }
    },
  );
});

describe('mermaid', () => {
  const diagram = mermaid(failoverMachine);
  const expected = expectedEdges(failoverMachine);

  it('is a stateDiagram-v2 declaring every top-level state and every substate by its path id', () => {
    expect(diagram.split('\n')[0]).toBe('stateDiagram-v2');
    for (const state of TOP_STATES) expect(diagram).toContain(`state "${state}" as ${state}`);
    for (const node of allNodes(failoverMachine).slice(1)) {
      expect(diagram).toContain(`state "${node.key}" as ${node.path.join('_')}`);
    }
  });

  it('has one edge for each target of each transition, labelled with its trigger and guard', () => {
    expect(expected.length).toBeGreaterThan(0);
    const lines = edgeLines(diagram);
    expect(lines).toHaveLength(expected.length);
    for (const edge of expected) {
      const prefix = `${edge.source.join('_')} --> ${edge.target.join('_')} : ${edge.trigger}`;
      const matching = lines.filter(
        (line) => line.trim().startsWith(prefix) && (edge.guard === null || line.includes(`[${edge.guard}`)),
      );
      expect(matching, `no edge "${prefix}" with guard ${edge.guard}`).not.toHaveLength(0);
    }
  });

  it('marks the initial state of the machine and of each compound state', () => {
    for (const node of allNodes(failoverMachine)) {
      const initial = node.initial.target[0];
      if (initial === undefined) continue;
      expect(diagram).toMatch(new RegExp(`^\\s*\\[\\*\\] --> ${initial.path.join('_')}$`, 'm'));
    }
  });

  it('keeps edge labels free of what Mermaid cannot parse, even for guards with object params', () => {
    const machine = createMachine({
      id: 'demo',
      initial: 'idle',
      states: {
        idle: { on: { GO: { target: 'busy', guard: { type: 'limit', params: { within: { ms: 5 } } } } } },
        busy: { after: { 1000: 'idle' } },
      },
    });
    const labels = edgeLines(mermaid(machine)).map((line) => line.replace(EDGE_LINE, '$3'));
    expect(labels).toHaveLength(2);
    for (const label of labels) expect(label).not.toMatch(/[;#{}]/);
    expect(edgeLines(mermaid(machine)).map((line) => line.trim())).toContain('busy --> idle : after 1000ms');
    for (const label of edgeLines(diagram).map((line) => line.replace(EDGE_LINE, '$3'))) {
      expect(label).not.toMatch(/[;#{}]/);
    }
  });
});

describe('svg', () => {
  const drawing = svg(failoverMachine);

  it('has a <g id="state-…" data-state="…"> for every state node', () => {
    for (const node of allNodes(failoverMachine).slice(1)) {
      const id = `state-${node.path.join('-')}`;
      const dataState = node.path.join('\\.');
      expect(drawing).toMatch(new RegExp(`<g class="[^"]*\\bsc-state\\b[^"]*" id="${id}" data-state="${dataState}">`));
    }
  });

  it('numbers every transition with a target once in its table and once on an edge', () => {
    const count = expectedEdges(failoverMachine).length;
    expect(drawing.match(/class="transition-row"/g)).toHaveLength(count);
    const onEdges = [...drawing.matchAll(/data-transitions="([\d ]+)"/g)].flatMap((match) =>
      match[1].split(' ').map(Number),
    );
    expect(onEdges.sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, index) => index + 1));
  });

  it('is self-contained and its groups are balanced', () => {
    const withoutNamespace = drawing.replace('xmlns="http://www.w3.org/2000/svg"', '');
    expect(withoutNamespace).not.toMatch(/https?:|<script|href=|@import|@font-face|<image|<foreignObject/i);
    expect(drawing.match(/<g[ >]/g)?.length).toBe(drawing.match(/<\/g>/g)?.length);
    expect(drawing.trim().startsWith('<svg ')).toBe(true);
    expect(drawing.trim().endsWith('</svg>')).toBe(true);
  });
});

describe('definitionJson', () => {
  const definition: unknown = JSON.parse(definitionJson(failoverMachine));

  it('parses and has exactly the four top-level states, starting in the machine’s initial state', () => {
    expect(definition).toMatchObject({ id: failoverMachine.id, initial: failoverMachine.root.initial.target[0]?.key });
    const states: unknown = Reflect.get(Object(definition), 'states');
    expect(Object.keys(Object(states))).toEqual([...TOP_STATES]);
  });

  it('keeps every guard with its params', () => {
    const text = JSON.stringify(definition);
    for (const edge of expectedEdges(failoverMachine)) {
      if (edge.guard === null) continue;
      const guard =
        edge.guardParams === undefined ? { type: edge.guard } : { type: edge.guard, params: edge.guardParams };
      expect(text).toContain(JSON.stringify(guard));
    }
  });
});

describe('markdownPage', () => {
  const page = markdownPage(failoverMachine);

  it('embeds the Mermaid diagram and says it is generated', () => {
    expect(page).toContain(`\`\`\`mermaid\n${mermaid(failoverMachine)}\`\`\``);
    expect(page).toMatch(/do not edit by hand/i);
    expect(page).toContain('npm run statecharts');
  });

  it('explains every guard, delay and substate the machine uses', () => {
    for (const node of allNodes(failoverMachine)) {
      for (const edge of [...node.transitions.values()].flat().concat(node.always ?? [])) {
        const guard = guardOf(edge.guard).type;
        if (guard !== null) expect(GUARD_LEGEND, `guard ${guard}`).toHaveProperty(guard);
      }
      for (const delayed of node.after) {
        expect(DELAY_LEGEND, `delay ${String(delayed.delay)}`).toHaveProperty(String(delayed.delay));
      }
      if (node.parent !== undefined && node.description === undefined) {
        expect(SUBSTATE_LEGEND, `state ${node.path.join('.')}`).toHaveProperty(node.key);
      }
    }
    expect(page).not.toContain('No description yet');
  });
});

describe('the project README', () => {
  it('shows the current diagram between its statechart markers', async () => {
    const readme = await readFile(PROJECT_README, 'utf8');
    expect(withDiagramBlock(readme, readmeDiagramBlock(failoverMachine)), 'README.md shows a stale diagram: run `npm run statecharts`').toBe(readme);
  });
});
