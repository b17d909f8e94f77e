/**
 * Geometry of the SVG drawing of a chart, with a simple layout of our own: top-level states
 * stacked as large boxes, substates side by side inside their parent, and edges routed so that
 * none shares a line with another:
 * - between siblings inside a state: a straight arrow across the gap (forward above, back below);
 * - from a state to itself: a loop under its box;
 * - from a state to one of its own substates: an arrow down from the parent's title bar;
 * - everything else: out of the source's right side to a vertical lane of its own in a channel
 *   right of the boxes, and back into the target's right side. Every box end gets its own port.
 * Edges between the same two states are drawn once, badged with all their transition numbers.
 */
import { isStrictDescendant, parentPath, type Chart, type ChartState } from './chart.js';
import type { NumberedTransition } from './numbering.js';
import { coord } from './svgElement.js';

/** A point in SVG user units. */
export interface Point {
  readonly x: number;
  readonly y: number;
}

/** A state's box, and its substates' boxes inside it. */
export interface StateBox {
  readonly state: ChartState;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly children: readonly StateBox[];
}

/** How an edge is routed (see the module comment). */
export type EdgeKind = 'channel' | 'sibling' | 'self' | 'descend';

/** The numbers of an edge's transitions in a small box placed on the edge. */
export interface Badge {
  /** The centre of the badge. */
  readonly at: Point;
  readonly text: string;
  readonly width: number;
}

/** One drawn edge: all transitions between one source and one target. */
export interface EdgeRoute {
  readonly kind: EdgeKind;
  readonly source: string;
  readonly target: string;
  /** Transition numbers, ascending. */
  readonly numbers: readonly number[];
  /** SVG path data; the arrowhead goes at its end. */
  readonly path: string;
  readonly badge: Badge;
  /** The lane of a channel edge (0 is nearest the boxes); null for the other kinds. */
  readonly lane: number | null;
  /**
   * The colour of a channel edge, from 0 to `COLOUR_SLOTS - 1`, chosen so that edges whose lanes
   * or ports are close differ; null for the other kinds.
   */
  readonly colour: number | null;
}

/** How many lane colours the drawing has. */
export const COLOUR_SLOTS = 8;

/** A filled dot with an arrow into a state that is entered first. */
export interface InitialMarker {
  readonly dot: Point;
  readonly arrowTo: Point;
}

/** The laid-out drawing, without the transition table. */
export interface ChartLayout {
  readonly boxes: readonly StateBox[];
  readonly edges: readonly EdgeRoute[];
  readonly initials: readonly InitialMarker[];
  /** The right end of the lanes: where whatever is drawn beside the diagram may start. */
  readonly right: number;
  readonly bottom: number;
}

/** Font size of state names (bold, sans-serif). */
export const TITLE_FONT_SIZE = 13;
/** Font size of badges and tables (monospace). */
export const SMALL_FONT_SIZE = 11;
/** Height of a badge. */
export const BADGE_HEIGHT = 15;
/** Height of a compound state's title bar. */
export const TITLE_BAR_HEIGHT = 28;

const ORIGIN: Point = { x: 64, y: 64 };
const PAD = 16;
const INITIAL_ROOM = 34;
const TOP_ROOM = 26;
const BOTTOM_ROOM = 42;
const SIBLING_GAP = 72;
const TOP_LEVEL_GAP = 34;
const MIN_ATOMIC_WIDTH = 112;
const MIN_ATOMIC_HEIGHT = 40;
const PORT_SPACING = 18;
const PORT_MARGIN = 10;
const LANE_GAP = 15;
const CORNER_RADIUS = 6;

/** An estimate of a text's width: monospace advances are 0.6 em; bold sans stays under 0.64 em. */
export function textWidth(text: string, fontSize: number, monospace: boolean): number {
  return [...text].length * fontSize * (monospace ? 0.6 : 0.64);
}

/** Lays out `chart` with `transitions` (its drawn transitions, numbered) as edges. */
export function layoutChart(chart: Chart, transitions: readonly NumberedTransition[]): ChartLayout {
  const edges = groupEdges(transitions);
  const channel = edges.filter((edge) => edge.kind === 'channel');
  const portCounts = new Map<string, number>();
  for (const edge of channel) {
    for (const end of [edge.source, edge.target]) portCounts.set(end, (portCounts.get(end) ?? 0) + 1);
  }

  const topLevel = orderedChildren(chart.root).map((state) => sizeBox(state, portCounts));
  const width = Math.max(...topLevel.map((box) => box.width));
  let y = ORIGIN.y;
  for (const box of topLevel) {
    box.width = width;
    place(box, ORIGIN.x, y);
    y += box.height + TOP_LEVEL_GAP;
  }
  const boxes = new Map<string, MutableBox>();
  const index = (box: MutableBox): void => {
    boxes.set(box.state.path, box);
    box.children.forEach(index);
  };
  topLevel.forEach(index);
  const boxAt = (path: string): MutableBox => {
    const box = boxes.get(path);
    if (box === undefined) throw new Error(`The statechart layout has no box for state "${path}".`);
    return box;
  };

  const ports = allocatePorts(topLevel, channel, boxAt);
  const badgeRoom = Math.max(0, ...channel.map((edge) => badgeWidth(edge.numbers))) + 2 * PAD;
  const channelX = ORIGIN.x + width + badgeRoom;
  const byLength = [...channel].sort(
    (a, b) =>
      Math.abs(ports.outY(a) - ports.inY(a)) - Math.abs(ports.outY(b) - ports.inY(b)) ||
      a.numbers[0] - b.numbers[0],
  );
  const lanes = new Map(byLength.map((edge, lane) => [edge, lane]));
  const colours = colourLanes(byLength, ports);

  const routes = edges.map((edge): EdgeRoute => {
    const source = boxAt(edge.source);
    const target = boxAt(edge.target);
    switch (edge.kind) {
      case 'channel': {
        const lane = lanes.get(edge) ?? 0;
        const laneX = channelX + lane * LANE_GAP + LANE_GAP / 2;
        const from = { x: source.x + source.width, y: ports.outY(edge) };
        const to = { x: target.x + target.width, y: ports.inY(edge) };
        return route(edge, roundedPath([from, { x: laneX, y: from.y }, { x: laneX, y: to.y }, to]), {
          x: ORIGIN.x + width + badgeRoom / 2,
          y: from.y,
        }, lane, colours.get(edge) ?? 0);
      }
      case 'sibling':
        return siblingRoute(edge, source, target);
      case 'self':
        return selfRoute(edge, source);
      case 'descend':
        return descendRoute(edge, source, target);
    }
  });

  const initials: InitialMarker[] = [];
  const markInitial = (state: ChartState, left: number): void => {
    if (state.initial === null) return;
    const box = boxAt(state.initial);
    const y = box.y + Math.min(box.height, MIN_ATOMIC_HEIGHT) / 2;
    initials.push({ dot: { x: left, y }, arrowTo: { x: box.x, y } });
  };
  markInitial(chart.root, ORIGIN.x - 30);
  for (const box of boxes.values()) markInitial(box.state, box.x + PAD + 6);

  return {
    boxes: topLevel,
    edges: routes,
    initials,
    right: channelX + lanes.size * LANE_GAP,
    bottom: y - TOP_LEVEL_GAP + BOTTOM_ROOM,
  };
}

interface MutableBox {
  readonly state: ChartState;
  x: number;
  y: number;
  width: number;
  height: number;
  readonly children: MutableBox[];
}

interface Edge {
  readonly kind: EdgeKind;
  readonly source: string;
  readonly target: string;
  readonly numbers: number[];
}

function groupEdges(transitions: readonly NumberedTransition[]): Edge[] {
  const edges = new Map<string, Edge>();
  for (const { number, transition } of transitions) {
    for (const target of transition.targets) {
      const key = `${transition.source}\u0000${target}`;
      const existing = edges.get(key);
      if (existing !== undefined) {
        existing.numbers.push(number);
        continue;
      }
      const kind = edgeKind(transition.source, target);
      edges.set(key, { kind, source: transition.source, target, numbers: [number] });
    }
  }
  return [...edges.values()];
}

function edgeKind(source: string, target: string): EdgeKind {
  if (source === target) return 'self';
  if (isStrictDescendant(target, source)) return 'descend';
  if (parentPath(source) === parentPath(target) && parentPath(source) !== '') return 'sibling';
  return 'channel';
}

/** Children in definition order, except that the initial one comes first, next to its marker. */
function orderedChildren(state: ChartState): ChartState[] {
  const initial = state.children.filter((child) => child.path === state.initial);
  return [...initial, ...state.children.filter((child) => child.path !== state.initial)];
}

function sizeBox(state: ChartState, portCounts: ReadonlyMap<string, number>): MutableBox {
  const children = orderedChildren(state).map((child) => sizeBox(child, portCounts));
  let ports = 0;
  for (const [path, count] of portCounts) {
    if (path === state.path || isStrictDescendant(path, state.path)) ports += count;
  }
  const portHeight = ports * PORT_SPACING + 2 * PORT_MARGIN;
  const titleWidth = textWidth(state.key, TITLE_FONT_SIZE, false) + 2 * PAD;
  if (children.length === 0) {
    return {
      state,
      x: 0,
      y: 0,
      width: Math.ceil(Math.max(MIN_ATOMIC_WIDTH, titleWidth)),
      height: Math.max(MIN_ATOMIC_HEIGHT, portHeight),
      children,
    };
  }
  // Atomic siblings share one height, so the arrows between them run straight.
  const atomic = children.filter((child) => child.children.length === 0);
  const atomicHeight = Math.max(0, ...atomic.map((child) => child.height));
  for (const child of atomic) child.height = atomicHeight;
  const rowWidth = children.reduce((sum, child) => sum + child.width, 0) + SIBLING_GAP * (children.length - 1);
  const rowHeight = Math.max(...children.map((child) => child.height));
  return {
    state,
    x: 0,
    y: 0,
    width: Math.ceil(Math.max(leftPadding(state) + rowWidth + PAD, titleWidth)),
    height: Math.max(TITLE_BAR_HEIGHT + TOP_ROOM + rowHeight + BOTTOM_ROOM, portHeight),
    children,
  };
}

function leftPadding(state: ChartState): number {
  return PAD + (state.initial === null ? 0 : INITIAL_ROOM);
}

function place(box: MutableBox, x: number, y: number): void {
  box.x = x;
  box.y = y;
  let childX = x + leftPadding(box.state);
  for (const child of box.children) {
    place(child, childX, y + TITLE_BAR_HEIGHT + TOP_ROOM);
    childX += child.width + SIBLING_GAP;
  }
}

interface Ports {
  outY(edge: Edge): number;
  inY(edge: Edge): number;
}

/**
 * Spreads each box's channel ports evenly down its right side, deepest boxes first: a parent's
 * ports keep clear of the lines its substates send out through the parent's side.
 */
function allocatePorts(
  topLevel: readonly MutableBox[],
  channel: readonly Edge[],
  boxAt: (path: string) => MutableBox,
): Ports {
  const outY = new Map<Edge, number>();
  const inY = new Map<Edge, number>();
  const centre = (path: string): number => {
    const box = boxAt(path);
    return box.y + box.height / 2;
  };
  const allocate = (box: MutableBox): number[] => {
    const inner = box.children.flatMap(allocate);
    const ends = [
      ...channel.filter((edge) => edge.source === box.state.path).map((edge) => ({ edge, out: true })),
      ...channel.filter((edge) => edge.target === box.state.path).map((edge) => ({ edge, out: false })),
    ];
    // Ports towards states higher up sit higher, so fewer lines cross.
    ends.sort(
      (a, b) =>
        centre(a.out ? a.edge.target : a.edge.source) - centre(b.out ? b.edge.target : b.edge.source) ||
        a.edge.numbers[0] - b.edge.numbers[0] ||
        Number(b.out) - Number(a.out),
    );
    const free = freeIntervals(box.y + PORT_MARGIN, box.y + box.height - PORT_MARGIN, inner);
    const length = free.reduce((sum, [from, to]) => sum + (to - from), 0);
    const placed = ends.map(({ edge, out }, position) => {
      const y = pointAlong(free, ((position + 0.5) * length) / ends.length);
      (out ? outY : inY).set(edge, y);
      return y;
    });
    return [...inner, ...placed];
  };
  topLevel.forEach(allocate);
  const read = (map: Map<Edge, number>, edge: Edge): number => {
    const y = map.get(edge);
    if (y === undefined) throw new Error(`The statechart layout gave no port to ${edge.source} → ${edge.target}.`);
    return y;
  };
  return { outY: (edge) => read(outY, edge), inY: (edge) => read(inY, edge) };
}

function freeIntervals(from: number, to: number, taken: readonly number[]): [number, number][] {
  const intervals: [number, number][] = [];
  let start = from;
  for (const y of [...taken].sort((a, b) => a - b)) {
    const blockedFrom = y - PORT_SPACING / 2;
    if (blockedFrom > start) intervals.push([start, Math.min(blockedFrom, to)]);
    start = Math.max(start, y + PORT_SPACING / 2);
  }
  if (start < to) intervals.push([start, to]);
  return intervals;
}

function pointAlong(intervals: readonly [number, number][], offset: number): number {
  let left = offset;
  for (const [from, to] of intervals) {
    if (left <= to - from) return from + left;
    left -= to - from;
  }
  const last = intervals[intervals.length - 1];
  return last === undefined ? 0 : last[1];
}

function badgeWidth(numbers: readonly number[]): number {
  return textWidth(numbers.join(','), SMALL_FONT_SIZE, true) + 10;
}

function route(
  edge: Edge,
  path: string,
  at: Point,
  lane: number | null = null,
  colour: number | null = null,
): EdgeRoute {
  return {
    kind: edge.kind,
    source: edge.source,
    target: edge.target,
    numbers: edge.numbers,
    path,
    badge: { at, text: edge.numbers.join(','), width: badgeWidth(edge.numbers) },
    lane,
    colour,
  };
}

/**
 * Greedy colouring in lane order: an edge avoids the colours of the edges in the lanes next to
 * its own and of the edges with a port near one of its ports.
 */
function colourLanes(edgesByLane: readonly Edge[], ports: Ports): Map<Edge, number> {
  const colours = new Map<Edge, number>();
  const near = PORT_SPACING * 2.5;
  const ys = (edge: Edge): number[] => [ports.outY(edge), ports.inY(edge)];
  edgesByLane.forEach((edge, lane) => {
    const taken = new Set<number>();
    edgesByLane.forEach((other, otherLane) => {
      const colour = colours.get(other);
      if (colour === undefined) return;
      const closePorts = ys(edge).some((y) => ys(other).some((otherY) => Math.abs(y - otherY) <= near));
      if (Math.abs(lane - otherLane) <= 2 || closePorts) taken.add(colour);
    });
    const free = Array.from({ length: COLOUR_SLOTS }, (_, slot) => slot).find((slot) => !taken.has(slot));
    colours.set(edge, free ?? lane % COLOUR_SLOTS);
  });
  return colours;
}

function siblingRoute(edge: Edge, source: MutableBox, target: MutableBox): EdgeRoute {
  const top = Math.max(source.y, target.y);
  const shared = Math.min(source.y + source.height, target.y + target.height) - top;
  const band = Math.min(shared, MIN_ATOMIC_HEIGHT);
  if (source.x < target.x) {
    const y = top + band * 0.35;
    const from = source.x + source.width;
    return route(edge, `M${coord(from)} ${coord(y)} H${coord(target.x)}`, { x: (from + target.x) / 2, y: y - 10 });
  }
  const y = top + band * 0.68;
  const to = target.x + target.width;
  return route(edge, `M${coord(source.x)} ${coord(y)} H${coord(to)}`, { x: (source.x + to) / 2, y: y + 10 });
}

function selfRoute(edge: Edge, box: MutableBox): EdgeRoute {
  const centre = box.x + box.width / 2;
  const bottom = box.y + box.height;
  const path =
    `M${coord(centre - 10)} ${coord(bottom)} C${coord(centre - 30)} ${coord(bottom + 32)} ` +
    `${coord(centre + 30)} ${coord(bottom + 32)} ${coord(centre + 10)} ${coord(bottom)}`;
  const width = badgeWidth(edge.numbers);
  return route(edge, path, { x: centre + 30 + width / 2, y: bottom + 20 });
}

function descendRoute(edge: Edge, ancestor: MutableBox, descendant: MutableBox): EdgeRoute {
  const x = descendant.x + descendant.width / 2;
  const from = ancestor.y + TITLE_BAR_HEIGHT;
  const width = badgeWidth(edge.numbers);
  const path = `M${coord(x)} ${coord(from)} V${coord(descendant.y)}`;
  return route(edge, path, { x: x + 8 + width / 2, y: (from + descendant.y) / 2 });
}

/** A polyline with its corners rounded. */
function roundedPath(points: readonly Point[]): string {
  const first = points[0];
  if (first === undefined) return '';
  let path = `M${coord(first.x)} ${coord(first.y)}`;
  for (let i = 1; i < points.length; i++) {
    const corner = points[i];
    const next = points[i + 1];
    const previous = points[i - 1];
    if (next === undefined) {
      path += ` L${coord(corner.x)} ${coord(corner.y)}`;
      break;
    }
    const radius = Math.min(CORNER_RADIUS, distance(previous, corner) / 2, distance(corner, next) / 2);
    const before = towards(corner, previous, radius);
    const after = towards(corner, next, radius);
    path += ` L${coord(before.x)} ${coord(before.y)}`;
    path += ` Q${coord(corner.x)} ${coord(corner.y)} ${coord(after.x)} ${coord(after.y)}`;
  }
  return path;
}

function distance(a: Point, b: Point): number {
  return Math.hypot(b.x - a.x, b.y - a.y);
}

function towards(from: Point, to: Point, length: number): Point {
  const total = distance(from, to);
  if (total === 0) return from;
  return { x: from.x + ((to.x - from.x) * length) / total, y: from.y + ((to.y - from.y) * length) / total };
}
