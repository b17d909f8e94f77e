/**
 * The statechart drawing the page inlines: the committed `statecharts/failover.svg`, read as it
 * is. `npm run statecharts` lays it out with ELK and a unit test fails while it is stale, so it
 * shows the machine the service runs; the service itself never lays a graph out.
 */
import { readFile } from 'node:fs/promises';
import { SVG_PATH } from '../statecharts/location.js';

/** The SVG text of the failover statechart. @throws Error, with the read error as its cause. */
export async function readDiagramSvg(path: string = SVG_PATH): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    throw new Error(`Could not read the statechart drawing ${path}: run \`npm run statecharts\` to write it.`, { cause });
  }
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
    .replace(
      /(?<=\s)aria-labelledby="([^"]+)"/g,
      (_match, ids: string) =>
        `aria-labelledby="${ids
          .split(/\s+/)
          .map((id) => `${prefix}${id}`)
          .join(' ')}"`,
    );
}
