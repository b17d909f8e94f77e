/**
 * bridge/openapi.yaml is valid OpenAPI 3.1 and covers the protocol of contract section 4: the three
 * calls, their headers, and every answer the service tells apart.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { validate, dereference } from '@readme/openapi-parser';
import { describe, expect, it } from 'vitest';

const SPEC = path.resolve(import.meta.dirname, '../../bridge/openapi.yaml');

interface Operation {
  readonly parameters?: readonly { readonly name: string; readonly in: string; readonly required?: boolean }[];
  readonly responses: Readonly<Record<string, unknown>>;
}

function operation(spec: unknown, route: string, method: string): Operation {
  const paths = (spec as { paths: Record<string, Record<string, Operation>> }).paths;
  const found = paths[route]?.[method];
  if (found === undefined) throw new Error(`the spec has no ${method.toUpperCase()} ${route}`);
  return found;
}

/** The text of a part of the spec with its line breaks folded, to look for a sentence in it. */
function text(part: unknown): string {
  return JSON.stringify(part).replace(/\\n/g, ' ');
}

function headerNames(op: Operation): string[] {
  return (op.parameters ?? []).filter((p) => p.in === 'header' && p.required === true).map((p) => p.name);
}

describe('bridge/openapi.yaml', () => {
  it('is valid OpenAPI 3.1', async () => {
    const result = await validate(SPEC);
    // The errors, when any, say where the spec is wrong; shown rather than a bare `false`.
    expect(result.valid ? [] : result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.specification).toBe('OpenAPI');
  });

  it('is checked by a validator that does find 3.1 mistakes', async () => {
    // A response without its required description: proves the validator reads 3.1 and is not a no-op.
    const dir = await mkdtemp(path.join(tmpdir(), 'openapi-'));
    const broken = path.join(dir, 'broken.yaml');
    await writeFile(broken, "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    get:\n      responses:\n        '200': {}\n");
    try {
      expect((await validate(broken)).valid).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('describes orders, lookups and health with their headers and every answer the service tells apart', async () => {
    const spec = await dereference(SPEC);
    expect((spec as { openapi: string }).openapi).toBe('3.1.0');

    const orders = operation(spec, '/orders', 'post');
    expect(headerNames(orders)).toEqual(['Idempotency-Key', 'X-Leader-Epoch']);
    expect(Object.keys(orders.responses)).toEqual(expect.arrayContaining(['200', '408', '409', '429', '4XX', '5XX']));
    expect(text(orders.responses['409'])).toContain('stale_epoch');

    const lookup = operation(spec, '/orders/{signal_id}', 'get');
    expect(headerNames(lookup)).toEqual(['X-Leader-Epoch']);
    expect(Object.keys(lookup.responses)).toEqual(expect.arrayContaining(['200', '404', '409']));
    expect(text(lookup.responses['404'])).toContain('no request already received for that key will place it');

    const health = operation(spec, '/health', 'get');
    expect(headerNames(health)).toEqual(['X-Leader-Epoch']);
    expect(Object.keys(health.responses)).toEqual(expect.arrayContaining(['200', 'default']));
  });
});
