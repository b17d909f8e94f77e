/** SVG path data for ELK's orthogonal routes. */
import type { Point } from './elkLayout.js';
import { coord } from './svgElement.js';

const CORNER_RADIUS = 6;

/**
 * `points` as path data with its corners rounded: where two edges bend side by side, a rounded
 * corner shows which segment continues which.
 */
export function roundedPath(points: readonly Point[], shift: Point): string {
  const moved = points.map((point) => ({ x: point.x + shift.x, y: point.y + shift.y }));
  const first = moved[0];
  if (first === undefined) return '';
  let path = `M${coord(first.x)} ${coord(first.y)}`;
  for (let i = 1; i < moved.length; i++) {
    const corner = moved[i];
    const next = moved[i + 1];
    const previous = moved[i - 1];
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
