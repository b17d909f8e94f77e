/**
 * Reading the statechart SVG in tests without a DOM: the generator writes one element per tag
 * with double-quoted attributes, so a small tokenizer finds every element, its attributes, its
 * text and the `<g>` it sits in.
 */

/** One element of the SVG. */
export interface SvgElement {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  /** The text directly inside it (for `<text>` and `<title>`), unescaped. */
  readonly text: string;
  /** The innermost `<g>` around it, or null at the top. */
  readonly parent: SvgElement | null;
}

const TAG = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"]*")*)\s*(\/?)>([^<]*)/g;
const ATTRIBUTE = /([\w:-]+)="([^"]*)"/g;

function unescape(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}

/** Every element of `svg`, in document order. @throws when the `<g>` tags do not balance. */
export function svgElements(svg: string): SvgElement[] {
  const found: SvgElement[] = [];
  const groups: SvgElement[] = [];
  for (const match of svg.matchAll(TAG)) {
    const [, closing, name, attributeText, selfClosing, text] = match;
    if (closing === '/') {
      if (name === 'g' && groups.pop() === undefined) throw new Error('a </g> closes no <g>');
      continue;
    }
    const attributes: Record<string, string> = {};
    for (const [, key, value] of (attributeText ?? '').matchAll(ATTRIBUTE)) attributes[key ?? ''] = unescape(value ?? '');
    const element: SvgElement = { name: name ?? '', attributes, text: unescape(text ?? ''), parent: groups.at(-1) ?? null };
    found.push(element);
    if (name === 'g' && selfClosing !== '/') groups.push(element);
  }
  if (groups.length > 0) throw new Error(`${groups.length} <g> left open`);
  return found;
}

/** Whether the element's `class` has `name`. */
export function hasClass(element: SvgElement, name: string): boolean {
  return (element.attributes.class ?? '').split(/\s+/).includes(name);
}

/** The first element directly inside `group` named `name`. */
export function childOf(elements: readonly SvgElement[], group: SvgElement, name: string): SvgElement | undefined {
  return elements.find((element) => element.parent === group && element.name === name);
}

/** A `<rect>`'s box, from its attributes. */
export function rectBox(rect: SvgElement): { x: number; y: number; width: number; height: number } {
  const number = (key: string): number => Number(rect.attributes[key] ?? Number.NaN);
  return { x: number('x'), y: number('y'), width: number('width'), height: number('height') };
}
