/**
 * Property tests of the HTTP API (contract section 5) on random requests, through `app.request()`
 * over a real policy runtime: every answer is a 2xx or a 4xx, never a 5xx; every answer but the
 * Prometheus text is JSON, a 4xx one `{error}`; with `ADMIN_TOKEN` set, nothing without the right
 * token reads the status or changes the policy; a body over 16 KiB is refused with 413 however its
 * length is announced.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_ADMIN_BODY_BYTES } from '../../src/http/body.js';
import { startHttpHarness, type HttpHarness } from '../support/httpHarness.js';
import { anyText, jsonValue } from './signalArbitraries.js';

const RUNS = 150;

const STATUS = '/admin/execution-status';
const PAUSE = '/admin/execution/pause';
const RESUME = '/admin/execution/resume';
const SWITCH = '/admin/execution/switch';
const ADMIN_PATHS = [STATUS, PAUSE, RESUME, SWITCH];
const ENGINE_IDS = ['lean_self_hosted', 'quanttrader_pybroker', 'nautilus_trader'];

const harnesses: HttpHarness[] = [];

/** A fresh app per run, so one run's pause cannot decide the next run's answer. */
function harness(adminToken?: string): HttpHarness {
  const h = startHttpHarness(adminToken === undefined ? {} : { adminToken });
  harnesses.push(h);
  return h;
}

afterEach(() => {
  for (const h of harnesses.splice(0)) h.stop();
});

// --- requests -------------------------------------------------------------------------------------

const tchar = fc.constantFrom(..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~");
const token = fc.string({ unit: tchar, minLength: 1, maxLength: 12 });

/** Methods fetch accepts (CONNECT, TRACE and TRACK it refuses to build), standard and invented. */
const method = fc.oneof(
  { arbitrary: fc.constantFrom('GET', 'POST'), weight: 4 },
  { arbitrary: fc.constantFrom('PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'get', 'post', 'delete'), weight: 2 },
  { arbitrary: token.filter((name) => !['CONNECT', 'TRACE', 'TRACK', 'PATCH'].includes(name.toUpperCase())), weight: 1 },
);

/** Header values a Headers object accepts: Latin-1 without NUL, CR and LF. */
const headerValue = fc.string({
  unit: fc
    .integer({ min: 0x20, max: 0xff })
    .filter((code) => code !== 0x7f)
    .map((code) => String.fromCharCode(code)),
  maxLength: 40,
});

const encodeOne = (path: string, at: number): string => {
  const index = at % path.length;
  const char = path[index] ?? '';
  return char === '/' ? path : `${path.slice(0, index)}%${char.charCodeAt(0).toString(16).padStart(2, '0')}${path.slice(index + 1)}`;
};

/** Real routes, bent: case, slashes, percent-encoding, dot segments, queries, junk segments. */
const path = fc.oneof(
  { arbitrary: fc.constantFrom(...ADMIN_PATHS), weight: 3 },
  fc
    .tuple(
      fc.constantFrom(...ADMIN_PATHS, '/health', '/ready', '/metrics', '/inspect', '/admin', '/admin/', '/admin/nope', '/'),
      fc.constantFrom('as is', 'upper', 'trailing slash', 'double slash', 'encoded', 'dot segment', 'query', 'suffix', 'backslash'),
      fc.nat(),
      fc.string({ unit: fc.oneof(tchar, fc.constantFrom('/', '?', '=', '&', '%', '#', ' ', '\u00e9', '\u{1f600}')), maxLength: 12 }),
    )
    .map(([route, bend, at, junk]) => {
      switch (bend) {
        case 'upper':
          return route.toUpperCase();
        case 'trailing slash':
          return `${route}/`;
        case 'double slash':
          return `/${route}`;
        case 'encoded':
          return encodeOne(route, at);
        case 'dot segment':
          return route.replace(/\/([^/]*)$/, '/x/../$1');
        case 'query':
          return `${route}?${junk}`;
        case 'suffix':
          return `${route}${junk}`;
        case 'backslash':
          return route.replaceAll('/', '\\').replace(/^\\/, '/');
        default:
          return route;
      }
    }),
  // Raw: the URL parser percent-encodes what it must and turns lone surrogates into U+FFFD.
  anyText.map((text) => `/${text}`),
  fc.string({ unit: fc.oneof(tchar, fc.constantFrom('/', '%', '.')), maxLength: 30 }).map((text) => `/${text}`),
);

/** Bodies near what the routes read, and far from it. */
const body = fc.oneof(
  fc.constant(undefined),
  fc.constant(''),
  jsonValue.map((value) => JSON.stringify(value)),
  anyText,
  fc.record({ reason: fc.oneof(jsonValue, fc.string({ maxLength: 600 })) }, { requiredKeys: [] }).map((value) => JSON.stringify(value)),
  fc
    .record(
      { engine: fc.oneof(fc.constantFrom(...ENGINE_IDS), jsonValue, fc.constantFrom('__proto__', 'LEAN_SELF_HOSTED', ' nautilus_trader')) },
      { requiredKeys: [] },
    )
    .map((value) => JSON.stringify(value)),
  fc.constantFrom(
    '{"engine":"nautilus_trader","engine":"lean_self_hosted"}',
    '{"__proto__":{"engine":"nautilus_trader"}}',
    '{"reason":"x","extra":1}',
    'null',
    '[]',
    '"x"',
    '{',
    '\ufeff{}',
  ),
);

const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=utf-16',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  '',
);

/** Random headers, never Authorization (the token properties set that themselves). */
const headers = fc.tuple(fc.dictionary(token, headerValue, { maxKeys: 4, noNullPrototype: true }), fc.option(contentType)).map(([random, type]) => {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(random)) {
    if (name.toLowerCase() !== 'authorization' && name.toLowerCase() !== 'content-length') result[name] = value;
  }
  if (type !== null) result['content-type'] = type;
  return result;
});

interface RandomRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string | undefined;
}

const randomRequest: fc.Arbitrary<RandomRequest> = fc.record({ method, path, headers, body });

/** Builds the request as a client would; fetch forbids a body on GET and HEAD, so none is sent there. */
function toRequest(call: RandomRequest, authorization?: string): Request {
  const bodyless = ['GET', 'HEAD'].includes(call.method.toUpperCase());
  const headers = new Headers(call.headers);
  if (authorization !== undefined) headers.set('authorization', authorization);
  return new Request(`http://localhost${call.path}`, {
    method: call.method,
    headers,
    ...(bodyless || call.body === undefined ? {} : { body: call.body }),
  });
}

// --- answers --------------------------------------------------------------------------------------

interface Answer {
  readonly status: number;
  readonly json: unknown;
  readonly response: Response;
}

/**
 * Fails unless the answer is clear: a 2xx or 4xx; JSON (a 4xx as `{error}`), except the Prometheus
 * text of /metrics and the empty body of a HEAD.
 */
async function expectClearAnswer(request: Request, response: Response): Promise<Answer> {
  const where = `${request.method} ${request.url}`;
  const text = await response.text();
  expect((response.status >= 200 && response.status < 300) || (response.status >= 400 && response.status < 500), `${where} → ${response.status} ${text}`).toBe(
    true,
  );
  const type = response.headers.get('content-type') ?? '';
  if (request.method === 'HEAD') return { status: response.status, json: undefined, response };
  if (type.startsWith('text/plain')) {
    // Only the metrics are plain text, and only when they are served.
    expect(response.status, where).toBe(200);
    expect(text, where).toMatch(/^# HELP /);
    return { status: response.status, json: undefined, response };
  }
  expect(type, `${where} answers JSON`).toMatch(/^application\/json/);
  const json: unknown = JSON.parse(text);
  if (response.status >= 400) {
    expect(json, `${where} → ${text}`).toEqual({ error: expect.any(String) });
    expect((json as { error: string }).error.trim(), where).not.toBe('');
  }
  return { status: response.status, json, response };
}

function policyState(h: HttpHarness): string {
  return JSON.stringify(h.runtime.state());
}

function isStatusJson(json: unknown): boolean {
  return typeof json === 'object' && json !== null && 'state' in json && 'active_engine' in json;
}

/** Counts answers by class, so a run that only ever met 404 shows up as a failure, not a pass. */
function tally(): { add(status: number): void; counts: Map<string, number> } {
  const counts = new Map<string, number>();
  return {
    counts,
    add(status) {
      const key = status === 404 ? '404' : status >= 400 && status < 500 ? 'other 4xx' : `${Math.floor(status / 100)}xx`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    },
  };
}

describe('admin API: any request gets a clear answer', () => {
  it('answers 2xx or 4xx, in JSON, with {error} for every 4xx, and never 500', async () => {
    const seen = tally();
    await fc.assert(
      fc.asyncProperty(randomRequest, async (call) => {
        const h = harness();
        const request = toRequest(call);
        const answer = await expectClearAnswer(request, await h.app.request(request));
        seen.add(answer.status);
      }),
      { numRuns: 400 },
    );
    // The generator reaches real routes, not only the not-found handler.
    expect(seen.counts.get('2xx') ?? 0).toBeGreaterThan(0);
    expect(seen.counts.get('404') ?? 0).toBeGreaterThan(0);
    expect(seen.counts.get('other 4xx') ?? 0).toBeGreaterThan(0);
  });

  it('answers the canonical admin routes with the status or an {error}, whatever the body', async () => {
    const seen = tally();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(PAUSE, RESUME, SWITCH), body, contentType, async (route, sent, type) => {
        const h = harness();
        const request = toRequest({ method: 'POST', path: route, headers: { 'content-type': type }, body: sent });
        const answer = await expectClearAnswer(request, await h.app.request(request));
        seen.add(answer.status);
        if (answer.status === 200) expect(isStatusJson(answer.json)).toBe(true);
        else expect([400, 409]).toContain(answer.status);
      }),
      { numRuns: RUNS },
    );
    expect(seen.counts.get('2xx') ?? 0).toBeGreaterThan(0);
  });
});

// --- the admin token ------------------------------------------------------------------------------

const adminToken = fc
  .string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code)), minLength: 1, maxLength: 40 })
  .chain((edge) => fc.constantFrom(edge, `${edge} ${edge}`));

/** `Authorization` values: the right one spelled several ways, near misses, and junk. */
function authorizationFor(tokenValue: string): fc.Arbitrary<string | undefined> {
  const scheme = fc.constantFrom('Bearer', 'bearer', 'BEARER', 'bEaReR');
  const gap = fc.constantFrom(' ', '  ', '\t');
  const right = fc.tuple(scheme, gap).map(([s, g]) => `${s}${g}${tokenValue}`);
  const nearMiss = fc.oneof(
    fc.constant(`Bearer ${tokenValue}x`),
    fc.constant(`Bearer x${tokenValue}`),
    fc.constant(`Bearer ${tokenValue.slice(0, -1)}`),
    fc.constant(`Bearer ${tokenValue} ${tokenValue}`),
    fc.constant(`Bearer${tokenValue}`),
    fc.constant(tokenValue),
    fc.constant(`Token ${tokenValue}`),
    fc.constant(`Basic ${Buffer.from(`admin:${tokenValue}`).toString('base64')}`),
    fc.constant(`Bearer ${tokenValue.toUpperCase()}`),
    fc.constant(`Bearer ${tokenValue.toLowerCase()}`),
    fc.constant('Bearer '),
    fc.constant(''),
    fc.nat().map((at) => {
      const index = at % tokenValue.length;
      const changed = tokenValue[index] === 'a' ? 'b' : 'a';
      return `Bearer ${tokenValue.slice(0, index)}${changed}${tokenValue.slice(index + 1)}`;
    }),
  );
  return fc.oneof(
    fc.constant(undefined),
    right,
    nearMiss,
    headerValue,
    headerValue.map((junk) => `Bearer ${junk}`),
  );
}

/** What the contract calls the right header: `Bearer <token>`, the scheme in any case. */
function carriesToken(authorization: string | undefined, tokenValue: string): boolean {
  if (authorization === undefined) return false;
  const header = authorization.trim();
  const scheme = /^bearer\s+/i.exec(header);
  return scheme !== null && header.slice(scheme[0].length) === tokenValue;
}

describe('admin API with ADMIN_TOKEN set', () => {
  it('never reads the status or changes the policy without the right token, and refuses it with 401 on admin routes', async () => {
    const withToken = adminToken.chain((tokenValue) => fc.tuple(fc.constant(tokenValue), authorizationFor(tokenValue)));
    const seen = tally();
    await fc.assert(
      fc.asyncProperty(withToken, randomRequest, fc.constantFrom(...ADMIN_PATHS, undefined), async ([tokenValue, authorization], call, route) => {
        const h = harness(tokenValue);
        const target = route === undefined ? call : { ...call, path: route, method: route === STATUS ? 'GET' : 'POST' };
        const before = policyState(h);
        const request = toRequest(target, authorization);
        const answer = await expectClearAnswer(request, await h.app.request(request));
        seen.add(answer.status);
        if (carriesToken(authorization, tokenValue)) {
          expect(answer.status, 'the right token is never refused').not.toBe(401);
          return;
        }
        expect(policyState(h), 'a request without the right token changed the policy').toBe(before);
        expect(isStatusJson(answer.json), 'a request without the right token read the status').toBe(false);
        if (route !== undefined) {
          expect(answer.status).toBe(401);
          expect(answer.response.headers.get('www-authenticate')).toMatch(/^Bearer /);
        }
      }),
      { numRuns: 300 },
    );
    expect(seen.counts.get('2xx') ?? 0).toBeGreaterThan(0);
    expect(seen.counts.get('other 4xx') ?? 0).toBeGreaterThan(0);
  });
});

// --- the body limit -------------------------------------------------------------------------------

describe('admin API: the 16 KiB body limit', () => {
  it('refuses a body over 16 KiB with 413 {error}, whatever Content-Length claims, and reads one up to it', async () => {
    const filler = fc.constantFrom(' ', '\n', '\u00e9', '\u20ac', '\u{1f600}', '\ud800');
    const size = fc.oneof(fc.integer({ min: MAX_ADMIN_BODY_BYTES - 8, max: MAX_ADMIN_BODY_BYTES + 8 }), fc.integer({ min: 0, max: 4 * MAX_ADMIN_BODY_BYTES }));
    const start = fc.constantFrom('{"reason":"limit"}', '{"engine":"nautilus_trader"}', '{}', '');
    const claimed = fc.constantFrom<string | undefined>(undefined, '0', '1', '-1', 'abc', String(MAX_ADMIN_BODY_BYTES), '1e9');
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(PAUSE, RESUME, SWITCH),
        start,
        filler,
        size,
        claimed,
        fc.boolean(),
        async (route, json, fill, target, contentLength, withToken) => {
          const tokenValue = withToken ? 'limit-token' : undefined;
          const h = harness(tokenValue);
          const count = Math.max(0, Math.ceil((target - json.length) / Buffer.byteLength(fill)));
          const sent = json + fill.repeat(count);
          const bytes = new TextEncoder().encode(sent).length;
          const headers: Record<string, string> = { 'content-type': 'application/json' };
          if (contentLength !== undefined) headers['content-length'] = contentLength;
          const before = policyState(h);
          const request = toRequest({ method: 'POST', path: route, headers, body: sent }, tokenValue === undefined ? undefined : `Bearer ${tokenValue}`);
          const answer = await expectClearAnswer(request, await h.app.request(request));
          // A larger announced length is refused before reading: that is the limit doing its job.
          const announcedOver = contentLength !== undefined && Number.parseInt(contentLength, 10) > MAX_ADMIN_BODY_BYTES;
          if (bytes > MAX_ADMIN_BODY_BYTES || announcedOver) {
            expect(answer.status, `${bytes} bytes, Content-Length ${String(contentLength)}`).toBe(413);
            expect((answer.json as { error: string }).error).toContain(String(MAX_ADMIN_BODY_BYTES));
            expect(policyState(h)).toBe(before);
          } else {
            expect(answer.status, `${bytes} bytes`).not.toBe(413);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});
