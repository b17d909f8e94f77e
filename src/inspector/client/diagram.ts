/**
 * The inlined statechart: marks the current state (and each of its ancestors) with the class the
 * SVG's own style highlights, and frames the drawing on the states, with the transition table
 * shown on demand.
 */
import { CURRENT_STATE_CLASS } from '../../statecharts/svg.js';

/** The dotted paths of a state and its ancestors: `a.b.c` gives `a`, `a.b`, `a.b.c`. */
export function pathAndAncestors(path: string): string[] {
  const parts = path.split('.');
  return parts.map((_part, index) => parts.slice(0, index + 1).join('.'));
}

/** Highlights `path` in the diagram inside `container`; returns the paths now marked. */
export function highlightState(container: Element, path: string): string[] {
  const wanted = new Set(pathAndAncestors(path));
  const marked: string[] = [];
  for (const group of container.querySelectorAll('[data-state]')) {
    const state = group.getAttribute('data-state') ?? '';
    const current = wanted.has(state);
    group.classList.toggle(CURRENT_STATE_CLASS, current);
    if (current) {
      group.setAttribute('aria-current', 'true');
      marked.push(state);
    } else {
      group.removeAttribute('aria-current');
    }
  }
  return marked;
}

const STATE_PARTS = ['.sc-states', '.sc-edges', '.sc-badges', '.sc-initials'];
const MARGIN = 16;

/**
 * Frames the SVG in `container` on the states and edges (the transition table hidden), or on the
 * whole drawing when `withTable`. Needs the SVG to be displayed: bounding boxes of hidden
 * elements are empty, so call it when its view is shown.
 */
export function frameDiagram(container: Element, withTable: boolean): void {
  const svg = container.querySelector('svg');
  if (svg === null) return;
  // With its table the drawing is too wide to shrink into the card: it keeps its size and scrolls.
  container.classList.toggle('with-table', withTable);
  const full = svg.dataset.fullViewBox ?? svg.getAttribute('viewBox') ?? '';
  svg.dataset.fullViewBox = full;
  // The drawing's own heading and the table go together: the page has its own heading.
  for (const part of svg.querySelectorAll(':scope > text, :scope > .sc-table')) {
    if (part instanceof SVGGraphicsElement) part.style.display = withTable ? '' : 'none';
  }
  if (withTable) {
    setViewBox(svg, full);
    return;
  }
  let left = Number.POSITIVE_INFINITY;
  let top = Number.POSITIVE_INFINITY;
  let right = Number.NEGATIVE_INFINITY;
  let bottom = Number.NEGATIVE_INFINITY;
  for (const selector of STATE_PARTS) {
    const part = svg.querySelector(selector);
    if (!(part instanceof SVGGraphicsElement)) continue;
    const box = part.getBBox();
    if (box.width === 0 && box.height === 0) continue;
    left = Math.min(left, box.x);
    top = Math.min(top, box.y);
    right = Math.max(right, box.x + box.width);
    bottom = Math.max(bottom, box.y + box.height);
  }
  if (!Number.isFinite(left)) return;
  setViewBox(svg, `${left - MARGIN} ${top - MARGIN} ${right - left + 2 * MARGIN} ${bottom - top + 2 * MARGIN}`);
}

/** Sets the view box, and width and height to match it: the page scales by its aspect ratio. */
function setViewBox(svg: SVGSVGElement, viewBox: string): void {
  const [, , width, height] = viewBox.split(/\s+/).map(Number);
  svg.setAttribute('viewBox', viewBox);
  if (width !== undefined && height !== undefined && width > 0 && height > 0) {
    svg.setAttribute('width', String(Math.ceil(width)));
    svg.setAttribute('height', String(Math.ceil(height)));
  }
}
