/**
 * The drawing is readable: in ELK's layout of the failover statechart no label overlaps another
 * label, a state or an arrow, and no two states overlap unless one holds the other. ELK promises
 * most of it; these tests say so when a change to the machine or the options breaks it.
 */
import { describe, expect, it } from 'vitest';
import { failoverMachine } from '../../machines/executionFailover.js';
import { chartOf } from '../../src/statecharts/chart.js';
import { layoutChart, type Box, type StateShape } from '../../src/statecharts/elkLayout.js';

const layout = await layoutChart(chartOf(failoverMachine));

/** Whether two boxes share more than an edge. */
function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + Math.max(b.width, 0.01) && b.x < a.x + Math.max(a.width, 0.01) && a.y < b.y + Math.max(b.height, 0.01) && b.y < a.y + Math.max(a.height, 0.01);
}

function contains(outer: Box, inner: Box): boolean {
  return inner.x >= outer.x && inner.y >= outer.y && inner.x + inner.width <= outer.x + outer.width && inner.y + inner.height <= outer.y + outer.height;
}

describe('the ELK layout of the failover statechart', () => {
  const states: StateShape[] = [];
  const visit = (shape: StateShape): void => {
    states.push(shape);
    shape.children.forEach(visit);
  };
  layout.states.forEach(visit);
  const labels = layout.edges.flatMap((edge) =>
    edge.kind === 'transition' ? edge.labels.map((label) => ({ edge, label, name: `"${label.text}" (${edge.source} → ${edge.target})` })) : [],
  );

  it('keeps the labels apart from each other and from the states’ boxes and borders', () => {
    labels.forEach((one, index) => {
      for (const other of labels.slice(index + 1)) expect(overlaps(one.label.box, other.label.box), `${one.name} and ${other.name}`).toBe(false);
      for (const state of states) {
        if (!overlaps(one.label.box, state.box)) continue;
        // Inside a container is fine (labels of its substates' arrows); across its border or on a box is not.
        expect(state.children.length > 0 && contains(state.box, one.label.box), `${one.name} on ${state.state.path}`).toBe(true);
      }
    });
  });

  it('runs no arrow through another arrow’s label', () => {
    for (const { edge, label, name } of labels) {
      for (const other of layout.edges) {
        if (other === edge) continue;
        other.points.slice(1).forEach((end, index) => {
          const start = other.points[index];
          const segment = { x: Math.min(start.x, end.x), y: Math.min(start.y, end.y), width: Math.abs(end.x - start.x), height: Math.abs(end.y - start.y) };
          expect(overlaps(label.box, segment), `${name} crossed by the arrow into ${other.target}`).toBe(false);
        });
      }
    }
  });

  it('does not let states overlap unless one holds the other', () => {
    states.forEach((one, index) => {
      for (const other of states.slice(index + 1)) {
        const nested = other.state.path.startsWith(`${one.state.path}.`);
        if (!nested) expect(overlaps(one.box, other.box), `${one.state.path} and ${other.state.path}`).toBe(false);
      }
    });
  });
});

