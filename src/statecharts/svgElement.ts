/** Building SVG markup as text, with every attribute and text escaped. */

/** An attribute value: numbers are coordinates, written with at most one decimal. */
export type AttributeValue = string | number;

/**
 * `<name a="1" …/>`, or `<name …>content</name>` when `content` is given. `content` is markup:
 * escape text with `escapeXml` first. Attributes keep their order, so the output is stable.
 */
export function element(
  name: string,
  attributes: Readonly<Record<string, AttributeValue>>,
  content?: string,
): string {
  if (content === undefined) return `${openTag(name, attributes).slice(0, -1)}/>`;
  return `${openTag(name, attributes)}${content}</${name}>`;
}

/** `<name a="1" …>`, for an element whose content is written line by line after it. */
export function openTag(name: string, attributes: Readonly<Record<string, AttributeValue>>): string {
  const written = Object.entries(attributes)
    .map(([key, value]) => ` ${key}="${typeof value === 'number' ? coord(value) : escapeXml(value)}"`)
    .join('');
  return `<${name}${written}>`;
}

/** `text` safe inside XML text and double-quoted attributes (the only kind written here). */
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A coordinate as written in the SVG: at most one decimal, so the text is stable. */
export function coord(value: number): string {
  return String(Math.round(value * 10) / 10);
}
