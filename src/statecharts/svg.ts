/**
 * The chart as a self-contained SVG, `statecharts/failover.svg`, drawn from ELK's layout: states
 * as boxes (compound states as containers with their substates inside), a dot and arrow into each
 * initial state, and every transition with a target as an arrow labelled with its trigger and
 * guard, in the arrow's colour. No fonts, scripts or external references: the inspector inlines
 * this file and highlights the current state by adding `CURRENT_STATE_CLASS` to its group.
 */
import type { AnyStateMachine } from 'xstate';
import { chartOf } from './chart.js';
import { CURRENT_STATE_CLASS, STATE_CLASS, TOP_STATE_CLASS, stateElementId } from './diagramIds.js';
import { COMPOUND_TITLE_HEIGHT } from './elkGraph.js';
import { layoutChart, type Box, type ChartLayout, type EdgeShape, type LabelShape, type Point, type StateShape } from './elkLayout.js';
import { LABEL_FONT_SIZE, LABEL_PAD, MONO_FONT, SANS_FONT, STATE_FONT_SIZE, textWidth } from './diagramText.js';
import { transitionLabel, triggerLabel } from './labels.js';
import { GENERATED_NOTICE } from './notice.js';
import { roundedPath } from './svgPath.js';
import { element, escapeXml, openTag } from './svgElement.js';

type TransitionEdge = Extract<EdgeShape, { kind: 'transition' }>;

/** Distinct, dark enough for text on white: a label reads in its arrow's colour. */
const EDGE_COLOURS: readonly string[] = ['#1d4ed8', '#b91c1c', '#047857', '#6d28d9', '#b45309', '#0e7490', '#be185d', '#4d7c0f'];
const INITIAL_COLOUR = '#334155';
const MARGIN = 24;
/** Where the notation starts, below the title and the generated-file notice. */
const NOTATION_TOP = 54;
/** Where the diagram starts, below the notation. */
const DIAGRAM_TOP = NOTATION_TOP + 14 * 4 + 10;
const NOTATION_FONT_SIZE = 11;
/** How to read an arrow, in short: what each label means is on the label itself. */
const NOTATION = [
  'EVENT [guard]: taken on EVENT when the guard holds · after delay: once the delay has passed · always [guard]: as soon as the guard holds',
  '(reenter): leaves the state and enters it again · ● →: the state entered first · a label has its arrow’s colour',
  'A guard’s params name the engines at the arrow’s two ends (in the label’s tooltip); guards, delays, actions and the transitions',
  'that only run actions (not drawn) are explained in statecharts/README.md',
];

/** The SVG of `machine`, laid out by ELK. Deterministic: the same machine gives the same text. */
export async function svg(machine: AnyStateMachine): Promise<string> {
  return svgOfLayout(await layoutChart(chartOf(machine)));
}

/** The SVG text of a laid-out chart. */
function svgOfLayout(layout: ChartLayout): string {
  const shift: Point = { x: MARGIN, y: DIAGRAM_TOP };
  const notationWidth = Math.max(...NOTATION.map((line) => textWidth(line, NOTATION_FONT_SIZE, false)));
  const width = Math.ceil(Math.max(layout.width, notationWidth) + 2 * MARGIN);
  const height = Math.ceil(layout.height + DIAGRAM_TOP + MARGIN);
  const transitions = layout.edges.filter((edge): edge is TransitionEdge => edge.kind === 'transition');
  // By the edge's place among the transition edges: neighbours in definition order differ.
  const colourOf = (edge: EdgeShape): number =>
    edge.kind === 'transition' ? transitions.indexOf(edge) % EDGE_COLOURS.length : 0;
  const text = { x: MARGIN, fill: '#0f172a' };
  const parts = [
    openTag('svg', {
      xmlns: 'http://www.w3.org/2000/svg',
      width,
      height,
      viewBox: `0 0 ${width} ${height}`,
      'font-family': SANS_FONT,
      role: 'img',
      'aria-labelledby': 'sc-title',
      // What a page with a heading of its own shows: the drawing without its title and notice.
      'data-chart-view-box': `0 ${NOTATION_TOP} ${width} ${height - NOTATION_TOP}`,
    }),
    element('title', { id: 'sc-title' }, escapeXml(`Statechart ${layout.chart.id}`)),
    element('desc', {}, escapeXml(GENERATED_NOTICE)),
    style(),
    markers(),
    element('rect', { class: 'sc-background', x: 0, y: 0, width, height }),
    openTag('g', { class: 'sc-heading' }),
    element('text', { ...text, y: 30, 'font-size': 18, 'font-weight': 700 }, escapeXml(`Statechart: ${layout.chart.id}`)),
    element('text', { ...text, y: 48, 'font-size': 11, fill: '#64748b' }, escapeXml(GENERATED_NOTICE)),
    '</g>',
    openTag('g', { class: 'sc-notation' }),
    ...NOTATION.map((line, index) =>
      element('text', { ...text, y: NOTATION_TOP + 12 + index * 14, 'font-size': NOTATION_FONT_SIZE, fill: '#334155' }, escapeXml(line)),
    ),
    '</g>',
    openTag('g', { class: 'sc-diagram' }),
    '<g class="sc-states">',
    ...layout.states.flatMap((state) => stateGroup(state, shift, '  ')),
    '</g>',
    '<g class="sc-initials">',
    ...initialDots(layout, shift),
    '</g>',
    '<g class="sc-edges">',
    ...layout.edges.map((edge) => edgePath(edge, shift, colourOf(edge))),
    '</g>',
    openTag('g', { class: 'sc-labels', 'font-family': MONO_FONT, 'font-size': LABEL_FONT_SIZE }),
    ...transitions.flatMap((edge) => edge.labels.map((label) => labelGroup(edge, label, shift, colourOf(edge)))),
    '</g>',
    '</g>',
    '</svg>',
  ];
  return `${parts.join('\n')}\n`;
}

function style(): string {
  return [
    '<style>',
    '  .sc-background { fill: #ffffff; }',
    `  .${STATE_CLASS} > rect { fill: #ffffff; stroke: #475569; stroke-width: 1.5; }`,
    `  .${STATE_CLASS}.sc-compound > rect { fill: #f8fafc; }`,
    `  .${STATE_CLASS}.${TOP_STATE_CLASS} > rect { stroke: #1e293b; stroke-width: 2; }`,
    `  .${STATE_CLASS} > .sc-name { fill: #0f172a; font-weight: 700; }`,
    `  .${STATE_CLASS} > .sc-title-bar { stroke: #cbd5e1; stroke-width: 1; }`,
    `  .${STATE_CLASS}.${CURRENT_STATE_CLASS} > rect { fill: #fef3c7; stroke: #d97706; stroke-width: 3; }`,
    '  .sc-edge { fill: none; stroke-width: 1.5; }',
    '  .sc-label > rect { fill: #ffffff; fill-opacity: 0.9; }',
    '</style>',
  ].join('\n');
}

function markers(): string {
  const shape = { viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto' };
  const arrow = (colour: string): string => element('path', { d: 'M0 0 L10 5 L0 10 z', fill: colour });
  const kinds = [{ id: 'initial', colour: INITIAL_COLOUR }, ...EDGE_COLOURS.map((colour, slot) => ({ id: String(slot), colour }))];
  return [
    '<defs>',
    ...kinds.map(({ id, colour }) => `  ${element('marker', { id: `sc-arrow-${id}`, ...shape }, arrow(colour))}`),
    '</defs>',
  ].join('\n');
}

function moved(box: Box, shift: Point): Box {
  return { x: box.x + shift.x, y: box.y + shift.y, width: box.width, height: box.height };
}

function stateGroup(shape: StateShape, shift: Point, indent: string): string[] {
  const { state } = shape;
  const compound = shape.children.length > 0;
  const classes = [STATE_CLASS, compound ? 'sc-compound' : 'sc-atomic'];
  if (!state.path.includes('.')) classes.push(TOP_STATE_CLASS);
  const group = { class: classes.join(' '), id: stateElementId(state.path), 'data-state': state.path };
  const box = moved(shape.box, shift);
  const name = escapeXml(state.key);
  const font = { class: 'sc-name', 'font-size': STATE_FONT_SIZE };
  const lines = [
    `${indent}${openTag('g', group)}`,
    // A <title> is the group's tooltip only as its first child.
    `${indent}  ${element('title', {}, escapeXml(state.description ?? state.path))}`,
    `${indent}  ${element('rect', { ...box, rx: compound ? 10 : 8 })}`,
  ];
  if (compound) {
    const bar = box.y + COMPOUND_TITLE_HEIGHT;
    lines.push(
      `${indent}  ${element('text', { ...font, x: box.x + 12, y: box.y + 20 }, name)}`,
      `${indent}  ${element('line', { class: 'sc-title-bar', x1: box.x, y1: bar, x2: box.x + box.width, y2: bar })}`,
    );
  } else {
    const centre = { x: box.x + box.width / 2, y: box.y + box.height / 2 + STATE_FONT_SIZE * 0.35 };
    lines.push(`${indent}  ${element('text', { ...font, ...centre, 'text-anchor': 'middle' }, name)}`);
  }
  for (const child of shape.children) lines.push(...stateGroup(child, shift, `${indent}  `));
  lines.push(`${indent}</g>`);
  return lines;
}

function initialDots(layout: ChartLayout, shift: Point): string[] {
  const dots: { parent: string; box: Box }[] = layout.initial === null ? [] : [{ parent: '', box: layout.initial }];
  const visit = (shape: StateShape): void => {
    if (shape.initial !== null) dots.push({ parent: shape.state.path, box: shape.initial });
    shape.children.forEach(visit);
  };
  layout.states.forEach(visit);
  return dots.map(({ parent, box }) => {
    const at = moved(box, shift);
    const circle = { cx: at.x + at.width / 2, cy: at.y + at.height / 2, r: at.width / 2, fill: INITIAL_COLOUR };
    return `  ${element('circle', { class: 'sc-initial', 'data-parent': parent, ...circle })}`;
  });
}

function edgePath(edge: EdgeShape, shift: Point, colour: number): string {
  if (edge.kind === 'initial') {
    const attributes = {
      class: 'sc-edge sc-initial-edge',
      'data-target': edge.target,
      d: roundedPath(edge.points, shift),
      stroke: INITIAL_COLOUR,
      'marker-end': 'url(#sc-arrow-initial)',
    };
    return `  ${element('path', attributes)}`;
  }
  const attributes = {
    class: 'sc-edge',
    'data-source': edge.source,
    'data-target': edge.target,
    d: roundedPath(edge.points, shift),
    stroke: EDGE_COLOURS[colour],
    'marker-end': `url(#sc-arrow-${colour})`,
  };
  const title = `${edge.source} → ${edge.target}: ${edge.labels.map((label) => label.text).join(', ')}`;
  return `  ${element('path', attributes, element('title', {}, escapeXml(title)))}`;
}

function labelGroup(edge: TransitionEdge, label: LabelShape, shift: Point, colour: number): string {
  const box = moved(label.box, shift);
  const { trigger, guard } = label.transition;
  const group = {
    class: 'sc-label',
    'data-source': edge.source,
    'data-target': edge.target,
    'data-trigger': triggerLabel(trigger),
    ...(guard === null ? {} : { 'data-guard': guard.type }),
  };
  const text = {
    x: box.x + LABEL_PAD,
    y: box.y + box.height / 2 + LABEL_FONT_SIZE * 0.35,
    fill: EDGE_COLOURS[colour],
  };
  const content =
    element('title', {}, escapeXml(`${edge.source} → ${edge.target}: ${transitionLabel(label.transition)}`)) +
    element('rect', { ...box, rx: 3 }) +
    element('text', text, escapeXml(label.text));
  return `  ${element('g', group, content)}`;
}
