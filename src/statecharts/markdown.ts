/** `statecharts/README.md`: the page GitHub renders for the statechart. */
import type { AnyStateMachine } from 'xstate';
import {
  actionOnlyTransitions,
  allTransitions,
  chartOf,
  drawnTransitions,
  statesBelowRoot,
  type Chart,
  type ChartTransition,
} from './chart.js';
import { isJsonObject } from './jsonValue.js';
import { actionLabel, guardLabel, triggerLabel } from './labels.js';
import { DELAY_LEGEND, GUARD_LEGEND, SUBSTATE_LEGEND } from './legend.js';
import { mermaid } from './mermaid.js';

/** Where the machine is defined, as the page names it. */
const MACHINE_SOURCE = 'machines/executionFailover.ts';
const ROOT_SOURCE = 'the machine’s root (any state that does not handle the event)';
const MISSING = '_No description yet: add one to `src/statecharts/legend.ts`._';

/**
 * The README page of `statecharts/` for `machine`: a title, the generated-file notice, the
 * Mermaid diagram, the legend of states, guards and delays, the drawn transitions with their
 * actions, and the transitions the diagrams leave out.
 */
export function markdownPage(machine: AnyStateMachine): string {
  const chart = chartOf(machine);
  const topLevel = chart.root.children.map((state) => code(state.key)).join(', ');
  const sections = [
    `# Statechart: ${chart.id}`,
    [
      `> **Generated file: do not edit by hand.** \`npm run statecharts\` writes this page, \`failover.mmd\`,`,
      `> \`failover.svg\` and \`failover.json\` from \`${MACHINE_SOURCE}\`. Change the machine, then run`,
      '> `npm run statecharts`; `test/statecharts/statecharts.test.ts` fails while any of them is stale.',
    ].join('\n'),
    [
      `The failover policy as an XState v5 statechart. Top-level states: ${topLevel}.`,
      'In this folder: [`failover.svg`](failover.svg), the drawing the inspector highlights, laid out by ELK',
      'with every arrow labelled; [`failover.mmd`](failover.mmd), the Mermaid source of the diagram below;',
      '[`failover.json`](failover.json), the definition with guards, delays and actions by name and params.',
    ].join('\n'),
    '## Diagram',
    `\`\`\`mermaid\n${mermaid(machine)}\`\`\``,
    [
      'An edge reads `EVENT [guard params]`. `after recoveryDelay` marks a delayed transition, `always [guard]`',
      'an eventless one, `(reenter)` one that leaves its state and enters it again; `none` stands for a null',
      'param, and `a→b` for a move from engine `a` to engine `b`. `[*]` points at the state entered first.',
      '',
      '**Not drawn:** transitions without a target, which only run actions and stay in the same state (such',
      'as counting a failure below the threshold). They are listed under',
      '[Transitions without a target](#transitions-without-a-target).',
    ].join('\n'),
    '## States',
    statesTable(chart),
    '## Guards',
    guardsTable(chart),
    '## Delays',
    delaysTable(chart),
    '## Transitions',
    'Every arrow of the diagrams, with the actions it runs.',
    transitionsTable(chart),
    '## Transitions without a target',
    actionOnlyTable(chart),
  ];
  return `${sections.join('\n\n')}\n`;
}

function statesTable(chart: Chart): string {
  return table(
    ['state', 'meaning'],
    statesBelowRoot(chart).map((state) => [
      code(state.path),
      state.description ?? SUBSTATE_LEGEND[state.key] ?? MISSING,
    ]),
  );
}

function guardsTable(chart: Chart): string {
  const params = new Map<string, Set<string>>();
  for (const transition of allTransitions(chart)) {
    if (transition.guard === null) continue;
    const names = params.get(transition.guard.type) ?? new Set<string>();
    if (isJsonObject(transition.guard.params)) Object.keys(transition.guard.params).forEach((key) => names.add(key));
    params.set(transition.guard.type, names);
  }
  return table(
    ['guard', 'params', 'meaning'],
    [...params].map(([type, names]) => [
      code(type),
      names.size === 0 ? '—' : [...names].map(code).join(', '),
      GUARD_LEGEND[type]?.meaning ?? MISSING,
    ]),
  );
}

function delaysTable(chart: Chart): string {
  const delays = new Set<string>();
  for (const transition of allTransitions(chart)) {
    if (transition.trigger.kind === 'after') delays.add(transition.trigger.delay);
  }
  if (delays.size === 0) return 'The chart has no delayed transitions.';
  return table(
    ['delay', 'meaning'],
    [...delays].map((delay) => [code(delay), DELAY_LEGEND[delay] ?? MISSING]),
  );
}

function transitionsTable(chart: Chart): string {
  return table(
    ['from', 'to', 'trigger', 'guard', 'actions'],
    drawnTransitions(chart).map((transition) => [
      code(transition.source),
      transition.targets.map(code).join(', '),
      triggerCell(transition),
      guardCell(transition),
      actionsCell(transition),
    ]),
  );
}

function actionOnlyTable(chart: Chart): string {
  const transitions = actionOnlyTransitions(chart);
  if (transitions.length === 0) return 'None: every transition has a target.';
  return table(
    ['in', 'trigger', 'guard', 'actions'],
    transitions.map((transition) => [
      transition.source === '' ? ROOT_SOURCE : code(transition.source),
      triggerCell(transition),
      guardCell(transition),
      actionsCell(transition),
    ]),
  );
}

function triggerCell(transition: ChartTransition): string {
  const trigger = code(triggerLabel(transition.trigger));
  return transition.reenter ? `${trigger} (reenter)` : trigger;
}

function guardCell(transition: ChartTransition): string {
  return transition.guard === null ? '—' : code(guardLabel(transition.guard));
}

function actionsCell(transition: ChartTransition): string {
  if (transition.actions.length === 0) return '—';
  return transition.actions.map((action) => code(actionLabel(action))).join(', ');
}

function code(text: string): string {
  return `\`${text}\``;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.map(escapeCell).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** A table cell on one line, with its pipes escaped so they do not end the cell. */
function escapeCell(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
}
