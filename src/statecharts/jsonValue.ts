/** JSON values, and a conversion that keeps any value printable as stable JSON. */

/** A value `JSON.stringify` writes as is. */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | JsonObject;

/**
 * `value` as JSON data: functions (params computed at run time) become `"(computed)"`, properties
 * that are undefined are left out, and non-finite numbers become their names, so the result is
 * stable text and never loses an entry silently.
 */
export function toJsonValue(value: unknown): JsonValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'function') return '(computed)';
  if (Array.isArray(value)) return value.map((item: unknown) => toJsonValue(item));
  if (typeof value === 'object') {
    const entries = Object.entries(value).filter(([, item]) => item !== undefined);
    return Object.fromEntries(entries.map(([key, item]) => [key, toJsonValue(item)]));
  }
  // What is left: bigint, symbol, undefined.
  if (typeof value === 'bigint' || typeof value === 'symbol') return value.toString();
  return 'undefined';
}

/** A JSON object (not an array, not null). */
export type JsonObject = { readonly [key: string]: JsonValue };

/** Whether `value` is a JSON object. */
export function isJsonObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `value` as indented JSON in which an object or array that fits on its line within `width`
 * characters is written on one line: `{ "type": "alert", "params": { "kind": "paused" } }`. Easier
 * to read and to diff than one key per line, and just as deterministic.
 */
export function prettyJson(value: JsonValue, width = 100): string {
  return layout(value, '', 0, width);
}

function layout(value: JsonValue, indent: string, prefixLength: number, width: number): string {
  const inline = inlineJson(value);
  if (value === null || typeof value !== 'object' || indent.length + prefixLength + inline.length <= width) {
    return inline;
  }
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    const items: readonly JsonValue[] = value;
    if (items.length === 0) return '[]';
    return `[\n${items.map((item) => `${inner}${layout(item, inner, 0, width)}`).join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return '{}';
  const lines = entries.map(([key, item]) => {
    const name = `${JSON.stringify(key)}: `;
    return `${inner}${name}${layout(item, inner, name.length, width)}`;
  });
  return `{\n${lines.join(',\n')}\n${indent}}`;
}

function inlineJson(value: JsonValue): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) {
    const items: readonly JsonValue[] = value;
    return `[${items.map(inlineJson).join(', ')}]`;
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return '{}';
  return `{ ${entries.map(([key, item]) => `${JSON.stringify(key)}: ${inlineJson(item)}`).join(', ')} }`;
}
