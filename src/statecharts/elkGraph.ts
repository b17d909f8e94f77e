/**
 * The chart as an ELK graph, ready for ELK's layered algorithm: every state a node (a compound
 * state a node with its substates as children), every initial state pointed at by a small
 * pseudo-state node with an edge of its own, and one edge per source and target carrying one
 * label per transition between them (so transitions that join the same two states share a line
 * and stack their labels, rather than run as parallel lines). Sizes come from `diagramText.ts`.
 */
import type { ElkExtendedEdge, ElkLabel, ElkNode, LayoutOptions } from 'elkjs/lib/elk-api.js';
import { drawnTransitions, type Chart, type ChartState, type ChartTransition } from './chart.js';
import { LABEL_LINE_HEIGHT, STATE_FONT_SIZE, labelWidth, textWidth } from './diagramText.js';
import { edgeLabel } from './labels.js';

/** The size of an atomic state's box, at least. */
const ATOMIC_MIN_WIDTH = 120;
const ATOMIC_HEIGHT = 40;
/** The room a compound state keeps above its substates for its name. */
export const COMPOUND_TITLE_HEIGHT = 30;
/** The diameter of an initial pseudo-state's dot. */
const INITIAL_SIZE = 12;

/** A drawn edge: the transitions from one state to one target, or an initial state's arrow. */
export type GraphEdge =
  | {
      readonly kind: 'transition';
      readonly id: string;
      readonly source: string;
      readonly target: string;
      /** One ELK label each, in the same order as the edge's labels. */
      readonly transitions: readonly ChartTransition[];
    }
  | { readonly kind: 'initial'; readonly id: string; readonly parent: string; readonly target: string };

/** The ELK graph and what its ids stand for. */
export interface ChartGraph {
  readonly elk: ElkNode;
  readonly edges: readonly GraphEdge[];
}

/**
 * Options of every level of the hierarchy (the root and each compound state): ELK reads some of
 * them, such as cycle breaking and spacing, from the graph being laid out rather than from the
 * root. Cycles are broken in definition order, so `primaryActive` comes first and the arrows of
 * the usual path (waiting, then checking) point down.
 */
const LEVEL_OPTIONS: LayoutOptions = {
  'elk.direction': 'DOWN',
  'elk.layered.cycleBreaking.strategy': 'MODEL_ORDER',
  'elk.spacing.nodeNode': '24',
  'elk.layered.spacing.nodeNodeBetweenLayers': '36',
  'elk.spacing.edgeEdge': '10',
  'elk.layered.spacing.edgeEdgeBetweenLayers': '10',
  'elk.spacing.edgeNode': '14',
  'elk.layered.spacing.edgeNodeBetweenLayers': '14',
  'elk.spacing.edgeLabel': '4',
  'elk.spacing.labelLabel': '2',
};

/**
 * Fixed options, so the same chart always lays out the same way (ELK has no other randomness
 * than its seed): layered, top to bottom (left to right makes a strip five times as wide as it is tall), edges routed orthogonally across the hierarchy levels
 * (`INCLUDE_CHILDREN`, so an edge may leave a substate for another top-level state), labels
 * placed by ELK beside their edge, and coordinates of every shape and edge given from the root.
 */
const LAYOUT_OPTIONS: LayoutOptions = {
  ...LEVEL_OPTIONS,
  'elk.algorithm': 'layered',
  'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
  'elk.edgeRouting': 'ORTHOGONAL',
  'elk.randomSeed': '1',
  'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
  // Narrower than network simplex here (1.5k against 2k wide) for the same clear routes.
  'elk.layered.nodePlacement.strategy': 'LINEAR_SEGMENTS',
  'elk.layered.edgeLabels.sideSelection': 'SMART_UP',
  'elk.edgeLabels.inline': 'false',
  'elk.json.shapeCoords': 'ROOT',
  'elk.json.edgeCoords': 'ROOT',
};

/** The ELK id of the node drawing the state at `path` (the root's is `root`). */
export function stateNodeId(path: string): string {
  return path === '' ? 'root' : `state:${path}`;
}

/** The ELK id of the initial pseudo-state inside the state at `path`. */
export function initialNodeId(path: string): string {
  return `initial:${path}`;
}

/** The chart's ELK graph. Deterministic: everything is in the machine's definition order. */
export function chartGraph(chart: Chart): ChartGraph {
  const byEnds = new Map<string, { source: string; target: string; transitions: ChartTransition[] }>();
  for (const transition of drawnTransitions(chart)) {
    for (const target of transition.targets) {
      const key = `${transition.source}\u0000${target}`;
      const edge = byEnds.get(key) ?? { source: transition.source, target, transitions: [] };
      edge.transitions.push(transition);
      byEnds.set(key, edge);
    }
  }
  const transitions = [...byEnds.values()].map((edge, index): GraphEdge => ({ kind: 'transition', id: `edge:${index}`, ...edge }));
  const edges = [...initialEdges(chart.root), ...transitions];
  return {
    elk: { ...stateNode(chart.root), layoutOptions: LAYOUT_OPTIONS, edges: edges.map(elkEdge) },
    edges,
  };
}

function initialEdges(state: ChartState): GraphEdge[] {
  const own: GraphEdge[] =
    state.initial === null
      ? []
      : [{ kind: 'initial', id: `edge:initial:${state.path}`, parent: state.path, target: state.initial }];
  return [...own, ...state.children.flatMap(initialEdges)];
}

function stateNode(state: ChartState): ElkNode {
  const initial: ElkNode[] =
    state.initial === null ? [] : [{ id: initialNodeId(state.path), width: INITIAL_SIZE, height: INITIAL_SIZE }];
  const nameWidth = textWidth(state.key, STATE_FONT_SIZE, false) + 24;
  if (state.children.length === 0) {
    return { id: stateNodeId(state.path), width: Math.ceil(Math.max(ATOMIC_MIN_WIDTH, nameWidth)), height: ATOMIC_HEIGHT };
  }
  return {
    id: stateNodeId(state.path),
    layoutOptions: {
      ...LEVEL_OPTIONS,
      // Model-order cycle breaking fails inside a compound node in elkjs 0.12 (a TypeError in
      // its cycle breaker); depth first from the initial pseudo-state keeps the same order here.
      'elk.layered.cycleBreaking.strategy': 'DEPTH_FIRST',
      'elk.padding': `[top=${COMPOUND_TITLE_HEIGHT + 14},left=16,bottom=16,right=16]`,
      'elk.nodeSize.constraints': 'MINIMUM_SIZE',
      'elk.nodeSize.minimum': `(${Math.ceil(nameWidth)}, ${ATOMIC_HEIGHT})`,
    },
    children: [...initial, ...state.children.map(stateNode)],
  };
}

function elkEdge(edge: GraphEdge): ElkExtendedEdge {
  if (edge.kind === 'initial') {
    return { id: edge.id, sources: [initialNodeId(edge.parent)], targets: [stateNodeId(edge.target)] };
  }
  const labels: ElkLabel[] = edge.transitions.map((transition, index) => {
    const text = edgeLabel(transition);
    return { id: `${edge.id}:label:${index}`, text, width: Math.ceil(labelWidth(text)), height: LABEL_LINE_HEIGHT };
  });
  return { id: edge.id, sources: [stateNodeId(edge.source)], targets: [stateNodeId(edge.target)], labels };
}
