/**
 * Lays the chart out with ELK (elkjs, the layout engine Stately's own visualiser uses) and reads
 * its answer back as shapes of our own: boxes for states and labels, polylines for edges, all in
 * the drawing's coordinates. Only `npm run statecharts` runs this: the service serves the SVG it
 * wrote, and never lays a graph out.
 */
import elkBundled from 'elkjs/lib/elk.bundled.js';
import type { ElkEdgeSection, ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api.js';
import type { Chart, ChartState, ChartTransition } from './chart.js';
import { chartGraph, initialNodeId, stateNodeId, type GraphEdge } from './elkGraph.js';
import { edgeLabel } from './labels.js';

/**
 * elkjs is CommonJS whose `module.exports` is the ELK class, with `.default` set to it too; under
 * NodeNext TypeScript types the default import as the module object, so the class is `.default`.
 * The bundled build runs ELK in this thread: no worker, nothing to fetch.
 */
const ELK = elkBundled.default;

export interface Point {
  readonly x: number;
  readonly y: number;
}

export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** A state's box, its substates' inside it, and the dot of its initial pseudo-state if any. */
export interface StateShape {
  readonly state: ChartState;
  readonly box: Box;
  readonly initial: Box | null;
  readonly children: readonly StateShape[];
}

/** One transition's label, where ELK put it. */
export interface LabelShape {
  readonly transition: ChartTransition;
  readonly text: string;
  readonly box: Box;
}

/** An edge's route, its arrowhead at the last point. */
export type EdgeShape =
  | {
      readonly kind: 'transition';
      readonly source: string;
      readonly target: string;
      readonly points: readonly Point[];
      readonly labels: readonly LabelShape[];
    }
  | { readonly kind: 'initial'; readonly parent: string; readonly target: string; readonly points: readonly Point[] };

/** The laid-out chart. The drawing spans (0, 0) to (width, height). */
export interface ChartLayout {
  readonly chart: Chart;
  readonly width: number;
  readonly height: number;
  /** The top-level states. */
  readonly states: readonly StateShape[];
  /** The dot pointing at the machine's initial state. */
  readonly initial: Box | null;
  readonly edges: readonly EdgeShape[];
}

/** Lays `chart` out. @throws Error, with ELK's error as its cause, when ELK fails. */
export async function layoutChart(chart: Chart): Promise<ChartLayout> {
  const graph = chartGraph(chart);
  let laidOut: ElkNode;
  try {
    laidOut = await new ELK().layout(graph.elk);
  } catch (cause) {
    throw new Error(`ELK could not lay out the statechart ${chart.id}`, { cause });
  }
  const nodes = new Map<string, ElkNode>();
  const index = (node: ElkNode): void => {
    nodes.set(node.id, node);
    node.children?.forEach(index);
  };
  index(laidOut);
  const elkEdges = new Map((laidOut.edges ?? []).map((edge) => [edge.id, edge]));
  const nodeBox = (id: string): Box => boxOf(required(nodes.get(id), `node ${id}`));
  const stateShape = (state: ChartState): StateShape => ({
    state,
    box: nodeBox(stateNodeId(state.path)),
    initial: state.initial === null ? null : nodeBox(initialNodeId(state.path)),
    children: state.children.map(stateShape),
  });
  return {
    chart,
    width: Math.ceil(required(laidOut.width, 'the width of the drawing')),
    height: Math.ceil(required(laidOut.height, 'the height of the drawing')),
    states: chart.root.children.map(stateShape),
    initial: chart.root.initial === null ? null : nodeBox(initialNodeId('')),
    edges: graph.edges.map((edge) => edgeShape(edge, required(elkEdges.get(edge.id), `edge ${edge.id}`))),
  };
}

function edgeShape(edge: GraphEdge, laidOut: ElkExtendedEdge): EdgeShape {
  const points = routeOf(laidOut);
  if (edge.kind === 'initial') return { kind: 'initial', parent: edge.parent, target: edge.target, points };
  const labels = edge.transitions.map((transition, index): LabelShape => {
    const label = required(laidOut.labels?.[index], `label ${index} of edge ${edge.id}`);
    return { transition, text: edgeLabel(transition), box: boxOf(label) };
  });
  return { kind: 'transition', source: edge.source, target: edge.target, points, labels };
}

/** The edge's sections joined into one polyline, in the order ELK chains them. */
function routeOf(edge: ElkExtendedEdge): Point[] {
  const sections = edge.sections ?? [];
  const byId = new Map(sections.map((section) => [section.id, section]));
  let section: ElkEdgeSection | undefined = sections.find((candidate) => (candidate.incomingSections ?? []).length === 0);
  if (section === undefined) throw new Error(`ELK gave edge ${edge.id} no route`);
  const points: Point[] = [section.startPoint];
  const seen = new Set<string>();
  while (section !== undefined && !seen.has(section.id)) {
    seen.add(section.id);
    points.push(...(section.bendPoints ?? []), section.endPoint);
    const next: string | undefined = section.outgoingSections?.[0];
    section = next === undefined ? undefined : byId.get(next);
  }
  return points;
}

function boxOf(shape: { x?: number; y?: number; width?: number; height?: number }): Box {
  return { x: shape.x ?? 0, y: shape.y ?? 0, width: shape.width ?? 0, height: shape.height ?? 0 };
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`ELK's layout has no ${what}`);
  return value;
}
