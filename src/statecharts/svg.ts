/**
 * The chart as a self-contained SVG: `statecharts/failover.svg`. No fonts, scripts or external
 * references: the inspector page inlines it and highlights the current state by adding the class
 * `CURRENT_STATE_CLASS` to that state's `<g id="state-…">`.
 */
import type { AnyStateMachine } from 'xstate';
import { chartOf } from './chart.js';
import { transitionLabel } from './labels.js';
import { GENERATED_NOTICE } from './notice.js';
import { numberedTransitions, type NumberedTransition } from './numbering.js';
import { coord, element, escapeXml, openTag } from './svgElement.js';
import {
  BADGE_HEIGHT,
  COLOUR_SLOTS,
  SMALL_FONT_SIZE,
  TITLE_BAR_HEIGHT,
  TITLE_FONT_SIZE,
  layoutChart,
  textWidth,
  type EdgeRoute,
  type InitialMarker,
  type StateBox,
} from './svgLayout.js';

/** The class that marks a state's `<g>` as the current state; the SVG's own style highlights it. */
export const CURRENT_STATE_CLASS = 'current';

/** The `id` of the `<g>` drawing the state at dotted `path`: `state-backup1Active-waiting`. */
export function stateElementId(path: string): string {
  return `state-${path.replace(/\./g, '-')}`;
}

const SANS = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";
const MONO = "ui-monospace, SFMono-Regular, Menlo, Consolas, 'DejaVu Sans Mono', 'Liberation Mono', monospace";
/** One colour per slot of the layout's lane colouring: distinct, so a line can be followed. */
const LANE_COLOURS: readonly string[] = [
  '#2563eb',
  '#dc2626',
  '#059669',
  '#7c3aed',
  '#d97706',
  '#0891b2',
  '#db2777',
  '#4d7c0f',
].slice(0, COLOUR_SLOTS);
const INNER_COLOUR = '#334155';
const ROW_HEIGHT = 18;
const TABLE_NOTE = 'Transitions without a target (actions only) are not drawn: statecharts/README.md lists them.';

/**
 * A drawing of `machine`: each top-level state a large box with its substates inside, the
 * initial states marked, every transition with a target drawn as a numbered edge (transitions
 * between the same two states share an edge), and beside it the table of the numbered
 * transitions with their triggers and guards. Each state is a `<g class="sc-state"
 * id="state-<path with - for .>" data-state="<dotted path>">`. Deterministic text.
 */
export function svg(machine: AnyStateMachine): string {
  const chart = chartOf(machine);
  const transitions = numberedTransitions(chart);
  const layout = layoutChart(chart, transitions);

  const tableX = layout.right + 40;
  const table = transitionTable(transitions, tableX, 64);
  const width = Math.ceil(Math.max(tableX + table.width, layout.right) + 32);
  const height = Math.ceil(Math.max(layout.bottom, table.bottom) + 32);
  const heading = { x: 24, fill: '#0f172a' };

  const parts = [
    openTag('svg', {
      xmlns: 'http://www.w3.org/2000/svg',
      width,
      height,
      viewBox: `0 0 ${width} ${height}`,
      'font-family': SANS,
      role: 'img',
      'aria-labelledby': 'sc-title',
    }),
    element('title', { id: 'sc-title' }, escapeXml(`Statechart ${chart.id}`)),
    element('desc', {}, escapeXml(GENERATED_NOTICE)),
    style(),
    markers(),
    element('rect', { class: 'sc-background', x: 0, y: 0, width, height }),
    element('text', { ...heading, y: 30, 'font-size': 18, 'font-weight': 700 }, escapeXml(`Statechart: ${chart.id}`)),
    element('text', { ...heading, y: 48, 'font-size': 11, fill: '#64748b' }, escapeXml(GENERATED_NOTICE)),
    '<g class="sc-states">',
    ...layout.boxes.flatMap((box) => stateGroup(box, '  ')),
    '</g>',
    '<g class="sc-initials">',
    ...layout.initials.map(initialMarker),
    '</g>',
    '<g class="sc-edges">',
    ...layout.edges.map(edgePath),
    '</g>',
    '<g class="sc-badges">',
    ...layout.edges.map(badge),
    '</g>',
    ...table.lines,
    '</svg>',
  ];
  return `${parts.join('\n')}\n`;
}

function style(): string {
  return [
    '<style>',
    '  .sc-background { fill: #ffffff; }',
    '  .sc-state > rect { fill: #ffffff; stroke: #475569; stroke-width: 1.5; }',
    '  .sc-state.sc-compound > rect { fill: #f8fafc; }',
    '  .sc-state.sc-top > rect { stroke: #1e293b; stroke-width: 2; }',
    '  .sc-state > .sc-title { fill: #0f172a; font-weight: 700; }',
    '  .sc-state > .sc-title-bar { stroke: #cbd5e1; stroke-width: 1; }',
    `  .sc-state.${CURRENT_STATE_CLASS} > rect { fill: #fef3c7; stroke: #d97706; stroke-width: 3; }`,
    '  .sc-edge { fill: none; stroke-width: 1.4; }',
    '  .sc-badge > rect { fill: #ffffff; stroke-width: 1; }',
    '  .sc-badge > text, .sc-table text { font-size: 11px; }',
    '</style>',
  ].join('\n');
}

function markers(): string {
  const kinds = [
    { id: 'inner', colour: INNER_COLOUR },
    ...LANE_COLOURS.map((colour, slot) => ({ id: String(slot), colour })),
  ];
  const shape = { viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto' };
  const arrow = (colour: string): string => element('path', { d: 'M0 0 L10 5 L0 10 z', fill: colour });
  return [
    '<defs>',
    ...kinds.map(({ id, colour }) => `  ${element('marker', { id: `sc-arrow-${id}`, ...shape }, arrow(colour))}`),
    '</defs>',
  ].join('\n');
}

function stateGroup(box: StateBox, indent: string): string[] {
  const compound = box.children.length > 0;
  const classes = ['sc-state', compound ? 'sc-compound' : 'sc-atomic'];
  if (!box.state.path.includes('.')) classes.push('sc-top');
  const group = { class: classes.join(' '), id: stateElementId(box.state.path), 'data-state': box.state.path };
  const title = { class: 'sc-title', 'font-size': TITLE_FONT_SIZE };
  const name = escapeXml(box.state.key);
  const frame = { x: box.x, y: box.y, width: box.width, height: box.height };
  const lines = [
    `${indent}${openTag('g', group)}`,
    // A <title> is the group's tooltip only as its first child.
    `${indent}  ${element('title', {}, escapeXml(box.state.description ?? box.state.path))}`,
    `${indent}  ${element('rect', { ...frame, rx: compound ? 10 : 8 })}`,
  ];
  if (compound) {
    const bar = box.y + TITLE_BAR_HEIGHT;
    lines.push(
      `${indent}  ${element('text', { ...title, x: box.x + 12, y: box.y + 19 }, name)}`,
      `${indent}  ${element('line', { class: 'sc-title-bar', x1: box.x, y1: bar, x2: box.x + box.width, y2: bar })}`,
    );
  } else {
    const centre = box.x + box.width / 2;
    lines.push(`${indent}  ${element('text', { ...title, x: centre, y: box.y + 24, 'text-anchor': 'middle' }, name)}`);
  }
  for (const child of box.children) lines.push(...stateGroup(child, `${indent}  `));
  lines.push(`${indent}</g>`);
  return lines;
}

function initialMarker(initial: InitialMarker): string {
  const { dot, arrowTo } = initial;
  const path = `M${coord(dot.x + 5)} ${coord(dot.y)} H${coord(arrowTo.x)}`;
  return (
    `  ${element('circle', { cx: dot.x, cy: dot.y, r: 5, fill: INNER_COLOUR })}` +
    element('path', { class: 'sc-edge', d: path, stroke: INNER_COLOUR, 'marker-end': 'url(#sc-arrow-inner)' })
  );
}

function colourOf(edge: EdgeRoute): { colour: string; marker: string } {
  if (edge.colour === null) return { colour: INNER_COLOUR, marker: 'inner' };
  const slot = edge.colour % LANE_COLOURS.length;
  return { colour: LANE_COLOURS[slot], marker: String(slot) };
}

function edgePath(edge: EdgeRoute): string {
  const { colour, marker } = colourOf(edge);
  const attributes = {
    class: 'sc-edge',
    'data-transitions': edge.numbers.join(' '),
    d: edge.path,
    stroke: colour,
    'marker-end': `url(#sc-arrow-${marker})`,
  };
  return `  ${element('path', attributes, element('title', {}, escapeXml(`${edge.source} → ${edge.target}`)))}`;
}

function badge(edge: EdgeRoute): string {
  const { colour } = colourOf(edge);
  const { at, width, text } = edge.badge;
  const frame = { x: at.x - width / 2, y: at.y - BADGE_HEIGHT / 2, width, height: BADGE_HEIGHT, rx: 4, stroke: colour };
  const label = { x: at.x, y: at.y + 4, 'text-anchor': 'middle', 'font-family': MONO, fill: colour };
  return `  ${element('g', { class: 'sc-badge' }, element('rect', frame) + element('text', label, escapeXml(text)))}`;
}

interface Table {
  readonly lines: string[];
  readonly width: number;
  readonly bottom: number;
}

/** The numbered transitions, one per row: number, from → to, trigger [guard]. */
function transitionTable(transitions: readonly NumberedTransition[], x: number, y: number): Table {
  const rows = transitions.map(({ number, transition }) => ({
    number: String(number),
    move: `${transition.source} → ${transition.targets.join(', ')}`,
    label: transitionLabel(transition),
  }));
  const charWidth = textWidth('0', SMALL_FONT_SIZE, true);
  const numberWidth = Math.max(...rows.map((row) => row.number.length)) * charWidth;
  const moveX = x + numberWidth + 12;
  const moveWidth = Math.max(...rows.map((row) => textWidth(row.move, SMALL_FONT_SIZE, true)));
  const labelX = moveX + moveWidth + 16;
  const labelWidth = Math.max(...rows.map((row) => textWidth(row.label, SMALL_FONT_SIZE, true)));
  const width = Math.max(labelX + labelWidth - x + 8, textWidth(TABLE_NOTE, SMALL_FONT_SIZE, false));
  const heading = { x, y: y + 4, 'font-family': SANS, 'font-size': 13, 'font-weight': 700, fill: '#0f172a' };
  const lines = [
    openTag('g', { class: 'sc-table', 'font-family': MONO }),
    `  ${element('text', heading, 'Transitions (numbers on the edges)')}`,
  ];
  rows.forEach((row, index) => {
    const top = y + 14 + index * ROW_HEIGHT;
    const baseline = top + 13;
    if (index % 2 === 0) {
      lines.push(`  ${element('rect', { x: x - 4, y: top, width, height: ROW_HEIGHT, fill: '#f1f5f9' })}`);
    }
    const cells = [
      element('text', { x: x + numberWidth, y: baseline, 'text-anchor': 'end', fill: '#64748b' }, row.number),
      element('text', { x: moveX, y: baseline, fill: '#0f172a' }, escapeXml(row.move)),
      element('text', { x: labelX, y: baseline, fill: '#334155' }, escapeXml(row.label)),
    ];
    lines.push(`  ${element('g', { class: 'transition-row', 'data-transition': row.number }, cells.join(''))}`);
  });
  const noteY = y + 14 + rows.length * ROW_HEIGHT + 20;
  const note = element('text', { x, y: noteY, 'font-family': SANS, fill: '#64748b' }, escapeXml(TABLE_NOTE));
  lines.push(`  ${note}`, '</g>');
  return { lines, width, bottom: noteY + 8 };
}
