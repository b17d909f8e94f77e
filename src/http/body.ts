/** Admin request bodies: read with a size limit that holds whatever the headers say, then parsed as JSON. */
import type { Context } from 'hono';

/** Largest admin request body accepted. */
export const MAX_ADMIN_BODY_BYTES = 16 * 1024;

export const BODY_TOO_LARGE = `the body is larger than ${MAX_ADMIN_BODY_BYTES} bytes`;

/**
 * The body as text, or null when it is over the limit. The bytes are counted as they arrive:
 * hono's bodyLimit believes a Content-Length header when there is one, and only Node's HTTP parser
 * makes that header honest, which a caller of `app.fetch` or `app.request` does not go through.
 */
async function readBodyText(request: Request): Promise<string | null> {
  if (request.body === null) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    size += chunk.value.byteLength;
    if (size > MAX_ADMIN_BODY_BYTES) {
      await reader.cancel();
      return null;
    }
    chunks.push(chunk.value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export type JsonBody = { ok: true; value: unknown } | { ok: false; status: 400 | 413; error: string };

/** Reads a JSON body (optional when `optional`); an absent body is `{}`. */
export async function readJson(c: Context, optional: boolean): Promise<JsonBody> {
  const text = await readBodyText(c.req.raw);
  if (text === null) return { ok: false, status: 413, error: BODY_TOO_LARGE };
  if (text.trim() === '') {
    return optional ? { ok: true, value: {} } : { ok: false, status: 400, error: 'a JSON body is required' };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, status: 400, error: 'the body is not valid JSON' };
  }
}
