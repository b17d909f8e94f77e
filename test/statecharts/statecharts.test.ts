import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMachine, type AnyStateMachine, type AnyStateNode } from 'xstate';
import { TOP_STATES } from '../../machines/engines.js';
import { failoverMachine } from '../../machines/executionFailover.js';
import { DELAY_LEGEND, GUARD_LEGEND, SUBSTATE_LEGEND } from '../../src/statecharts/legend.js';
import { STATECHARTS_DIR } from '../../src/statecharts/location.js';
import { PROJECT_README, readmeDiagramBlock, withDiagramBlock } from '../../src/statecharts/readmeBlock.js';
import { CURRENT_STATE_CLASS, STATE_CLASS, TOP_STATE_CLASS, stateElementId } from '../../src/statecharts/diagramIds.js';
import { definitionJson, markdownPage, mermaid, statechartFiles, svg } from '../../src/statecharts/render.js';
import { childOf, hasClass, rectBox, svgElements, type SvgElement } from '../support/svgText.js';

// ELK lays the drawing out asynchronously: generate everything once, before the tests are collected.
const files = await statechartFiles(failoverMachine);
const drawing = files.find((file) => file.name === 'failover.svg')?.content ?? '';

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
  it.each(files.map((file) => [file.name, file.content]))(
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
  const elements = svgElements(drawing);
  const stateGroups = elements.filter((element) => element.name === 'g' && hasClass(element, STATE_CLASS));
  const groupOf = (path: string): SvgElement | undefined => stateGroups.find((group) => group.attributes['data-state'] === path);
  const labels = elements.filter((element) => element.name === 'g' && hasClass(element, 'sc-label'));
  const edges = elements.filter((element) => element.name === 'path' && hasClass(element, 'sc-edge'));

  it('labels an arrow with the trigger and guard of every transition with a target, once each', () => {
    const expected = expectedEdges(failoverMachine);
    expect(expected.length).toBeGreaterThan(0);
    expect(labels).toHaveLength(expected.length);
    for (const edge of expected) {
      const [source, target] = [edge.source.join('.'), edge.target.join('.')];
      const label = `${source} → ${target} on ${edge.trigger} [${edge.guard ?? 'no guard'}]`;
      const matching = labels.filter(
        (group) =>
          group.attributes['data-source'] === source &&
          group.attributes['data-target'] === target &&
          group.attributes['data-trigger'] === edge.trigger &&
          group.attributes['data-guard'] === (edge.guard ?? undefined),
      );
      expect(matching, label).toHaveLength(1);
      const text = childOf(elements, matching[0], 'text')?.text ?? '';
      expect(text, label).toContain(edge.trigger);
      if (edge.guard !== null) expect(text, label).toContain(`[${edge.guard}]`);
      const arrow = edges.filter((path) => path.attributes['data-source'] === source && path.attributes['data-target'] === target);
      expect(arrow, `the arrow ${source} → ${target}`).toHaveLength(1);
    }
    expect(labels.some((group) => group.attributes['data-source'] === group.attributes['data-target'])).toBe(true);
  });

  it('draws every state as a group inside its parent’s group, its box inside the parent’s box', () => {
    for (const node of allNodes(failoverMachine).slice(1)) {
      const path = node.path.join('.');
      const group = groupOf(path);
      expect(group, path).toBeDefined();
      const parentPath = node.path.slice(0, -1).join('.');
      if (parentPath === '') {
        expect(hasClass(group as SvgElement, TOP_STATE_CLASS), path).toBe(true);
        continue;
      }
      const parent = groupOf(parentPath);
      expect(group?.parent, `${path} inside ${parentPath}`).toBe(parent);
      const box = rectBox(childOf(elements, group as SvgElement, 'rect') as SvgElement);
      const outer = rectBox(childOf(elements, parent as SvgElement, 'rect') as SvgElement);
      expect(box.x, path).toBeGreaterThan(outer.x);
      expect(box.y, path).toBeGreaterThan(outer.y);
      expect(box.x + box.width, path).toBeLessThan(outer.x + outer.width);
      expect(box.y + box.height, path).toBeLessThan(outer.y + outer.height);
    }
  });

  it('has the highlight target of every state: <g class="sc-state" id="state-…" data-state="…">, styled when current', () => {
    for (const node of allNodes(failoverMachine).slice(1)) {
      const path = node.path.join('.');
      expect(groupOf(path)?.attributes.id, path).toBe(stateElementId(path));
      expect(stateElementId(path)).toBe(`state-${node.path.join('-')}`);
    }
    expect(stateGroups).toHaveLength(allNodes(failoverMachine).length - 1);
    expect(drawing).toContain(`.${STATE_CLASS}.${CURRENT_STATE_CLASS} > rect {`);
  });

  it('marks the initial state of the machine and of each compound state with a dot and an arrow', () => {
    for (const node of allNodes(failoverMachine)) {
      const initial = node.initial.target[0];
      if (initial === undefined) continue;
      const parent = node.path.join('.');
      const dots = elements.filter((element) => hasClass(element, 'sc-initial') && element.attributes['data-parent'] === parent);
      expect(dots, `the initial dot of "${parent}"`).toHaveLength(1);
      const arrows = edges.filter((path) => hasClass(path, 'sc-initial-edge') && path.attributes['data-target'] === initial.path.join('.'));
      expect(arrows, `the arrow into ${initial.path.join('.')}`).toHaveLength(1);
    }
  });

  it('is the same text every time, with coordinates rounded to one decimal', async () => {
    expect(await svg(failoverMachine)).toBe(drawing);
    const numbers = [...drawing.matchAll(/-?\d+\.\d+/g)].map((match) => match[0]);
    expect(numbers.length).toBeGreaterThan(100);
    for (const number of numbers) expect(number).toMatch(/^-?\d+\.\d$/);
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
