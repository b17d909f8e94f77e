/**
 * The statechart drawing the page inlines: rendered once from the running machine (the same
 * function as `statecharts/failover.svg`), so it can never disagree with the machine it shows.
 */
import { failoverMachine } from '../../machines/executionFailover.js';
import { svg } from '../statecharts/svg.js';

let rendered: string | null = null;

/** The SVG text of the failover statechart. */
export function diagramSvg(): string {
  rendered ??= svg(failoverMachine);
  return rendered;
}

/**
 * The same SVG with every `id` and every reference to one (`url(#…)`, `href="#…"`,
 * `aria-labelledby`) prefixed, so that two copies can live in one page without clashing ids.
 */
export function prefixSvgIds(text: string, prefix: string): string {
  return text
    .replace(/(?<=\s)id="([^"]+)"/g, (_match, id: string) => `id="${prefix}${id}"`)
    .replace(/url\(#([^)]+)\)/g, (_match, id: string) => `url(#${prefix}${id})`)
    .replace(/(?<=[\s:])href="#([^"]+)"/g, (_match, id: string) => `href="#${prefix}${id}"`)
    .replace(/(?<=\s)aria-labelledby="([^"]+)"/g, (_match, ids: string) =>
      `aria-labelledby="${ids
        .split(/\s+/)
        .map((id) => `${prefix}${id}`)
        .join(' ')}"`,
    );
}
