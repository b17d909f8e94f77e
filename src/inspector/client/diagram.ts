/**
 * The inlined statechart: marks the current state (and each of its ancestors) with the class the
 * SVG's own style highlights, and frames the drawing without its own heading.
 */
import { CURRENT_STATE_CLASS } from '../../statecharts/diagramIds.js';

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

/**
 * Shows the SVG in `container` without its title and generated-file notice (the page has its own
 * heading): the drawing names that view box in `data-chart-view-box`, so nothing is measured.
 */
export function frameDiagram(container: Element): void {
  const svg = container.querySelector('svg');
  const viewBox = svg?.dataset.chartViewBox;
  if (svg === null || svg === undefined || viewBox === undefined) return;
  const [, , width, height] = viewBox.split(/\s+/).map(Number);
  svg.setAttribute('viewBox', viewBox);
  // The width and height set the aspect ratio the page scales the drawing by.
  if (width !== undefined && height !== undefined && width > 0 && height > 0) {
    svg.setAttribute('width', String(width));
    svg.setAttribute('height', String(height));
  }
  for (const heading of svg.querySelectorAll(':scope > .sc-heading')) {
    if (heading instanceof SVGGraphicsElement) heading.style.display = 'none';
  }
}
