/**
 * The inspector's HTTP endpoints through `app.request()`: the public page and assets, the shipped
 * scenarios, and the admin token on the live stream and the fault control, with a 4xx JSON error
 * for every bad request.
 */
import { readFile } from 'node:fs/promises';
import { Hono } from 'hono';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_SETTINGS } from '../../machines/policy.js';
import { createEngine, isSimEngine } from '../../src/engines/createEngine.js';
import type { SimEngine } from '../../src/engines/simEngine.js';
import { clientAssets } from '../../src/inspector/assets.js';
import { prefixSvgIds, readDiagramSvg } from '../../src/inspector/diagram.js';
import { InspectionLog } from '../../src/inspector/eventLog.js';
import { LiveFeed } from '../../src/inspector/liveFeed.js';
import { PAGE_CSP } from '../../src/inspector/page.js';
import type { FaultsAnswer, LiveSnapshot, ScenarioListing } from '../../src/inspector/protocol.js';
import { MAX_FAULTS_BODY_BYTES, mountInspector } from '../../src/inspector/routes.js';
import { SHIPPED_SCENARIO_DIR, scenarioFiles } from '../../src/inspector/scenarioFiles.js';
import { createLogger } from '../../src/log.js';
import { startPolicyRuntime, type PolicyRuntime } from '../../src/policy/runtime.js';
import { TestClock } from '../support/testClock.js';
import { recordSse } from '../support/sseReader.js';

const TOKEN = 'route-test-token';
const AUTH = { Authorization: `Bearer ${TOKEN}` };
const assets = clientAssets();

interface Fixture {
  readonly app: Hono;
  readonly feed: LiveFeed;
  readonly clock: TestClock;
  readonly lean: SimEngine;
}

const runtimes: PolicyRuntime[] = [];
afterEach(() => {
  for (const runtime of runtimes.splice(0)) runtime.stop();
});

/** `adminToken` null: a service without ADMIN_TOKEN. */
function fixture(adminToken: string | null = TOKEN, feedOptions: { readonly maxClients?: number } = {}): Fixture {
  const log = new InspectionLog();
  const clock = new TestClock();
  const policy = startPolicyRuntime({
    settings: DEFAULT_POLICY_SETTINGS,
    effects: { alert: () => {}, requestHealthCheck: () => {} },
    clock,
    inspect: log.record,
  });
  runtimes.push(policy);
  const lean = createEngine('lean_self_hosted', 'sim://?latency_ms=5', { timeoutMs: 1000 });
  if (!isSimEngine(lean)) throw new Error('sim:// did not make a sim engine');
  const engines = { lean_self_hosted: lean, quanttrader_pybroker: createEngine('quanttrader_pybroker', 'http://127.0.0.1:9', { timeoutMs: 1000 }) };
  const feed = new LiveFeed(
    { currentPolicy: () => policy, leaderEpoch: () => 4, engines: () => engines, log, hello: { instance: 'i', startedAt: '2026-11-25T14:30:00.000Z' } },
    { clock, ...feedOptions },
  );
  const app = new Hono();
  mountInspector(app, { feed, engines: () => engines, adminToken: adminToken ?? undefined, assets, scenarios: scenarioFiles(), log: createLogger('silent') });
  return { app, feed, clock, lean };
}

function postFaults(
  app: Hono,
  engine: string,
  body: string,
  headers: Record<string, string> = { ...AUTH, 'Content-Type': 'application/json' },
): Promise<Response> {
  return Promise.resolve(app.request(`/inspect/api/faults/${engine}`, { method: 'POST', headers, body }));
}

async function errorOf(response: Response): Promise<string> {
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const body = (await response.json()) as { error?: unknown };
  expect(typeof body.error).toBe('string');
  return String(body.error);
}

describe('the page and its assets', () => {
  it('serves the page without a token, with a policy that allows this origin only', async () => {
    const { app } = fixture();
    const response = await app.request('/inspect');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toBe(PAGE_CSP);
    expect(PAGE_CSP).toContain("connect-src 'self'");
    const html = await response.text();
    expect(html).toContain('data-auth="token"');
    expect(html).toContain('id="state-primaryActive"');
    expect(html).toContain('id="sim-state-primaryActive"');
    const references = [...html.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((match) => match[1] ?? '');
    expect(references.length).toBeGreaterThan(2);
    for (const reference of references) expect(reference, reference).toMatch(/^(\/inspect|#|data:)/);
  });

  it('tells the page when no token is needed', async () => {
    const html = await (await fixture(null).app.request('/inspect')).text();
    expect(html).toContain('data-auth="none"');
  });

  it('serves the bundled script, with the simulator in it, and revalidates it by ETag', async () => {
    const { app } = fixture();
    const response = await app.request('/inspect/app.js');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/javascript/);
    const script = await response.text();
    expect(script).toContain('held while paused go out, oldest first');
    const etag = response.headers.get('etag');
    expect(etag).toBeTruthy();
    const again = await app.request('/inspect/app.js', { headers: { 'If-None-Match': etag ?? '' } });
    expect(again.status).toBe(304);
  });

  it('serves the style sheet', async () => {
    const response = await fixture().app.request('/inspect/app.css');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/css/);
    expect(await response.text()).toContain('.state-name');
  });
});

describe('the shipped scenarios', () => {
  it('lists every scenario file with its name', async () => {
    const response = await fixture().app.request('/inspect/scenarios');
    const listing = (await response.json()) as ScenarioListing[];
    expect(listing.map((entry) => entry.file)).toContain('flapping-primary.json');
    expect(listing.find((entry) => entry.file === 'flapping-primary.json')?.name).toBe('Flapping primary');
  });

  it('serves a file as it is on disk', async () => {
    const response = await fixture().app.request('/inspect/scenarios/flapping-primary.json');
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(await readFile(`${SHIPPED_SCENARIO_DIR}flapping-primary.json`, 'utf8'));
  });

  it('answers 404 for a name that is not a listed file, paths included', async () => {
    const { app } = fixture();
    for (const name of ['nope.json', '..%2F..%2Fpackage.json', '.hidden.json', 'README.md']) {
      const response = await app.request(`/inspect/scenarios/${name}`);
      expect(response.status, name).toBe(404);
      expect(await errorOf(response)).toMatch(/no shipped scenario/);
    }
  });
});

describe('the live stream', () => {
  it('needs the admin token when one is set, as a header only', async () => {
    const { app } = fixture();
    expect((await app.request('/inspect/api/stream')).status).toBe(401);
    expect((await app.request('/inspect/api/stream', { headers: { Authorization: 'Bearer wrong' } })).status).toBe(401);
    const inQuery = await app.request(`/inspect/api/stream?token=${TOKEN}`);
    expect(inQuery.status).toBe(401);
    expect(await errorOf(inQuery)).toMatch(/admin token/);
  });

  it('streams server-sent events to a page with the token', async () => {
    const { app, feed } = fixture();
    const response = await app.request('/inspect/api/stream', { headers: AUTH });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('cache-control')).toMatch(/no-cache/);
    expect(response.headers.get('connection')).toBeNull();
    if (response.body === null) throw new Error('the stream has no body');
    const stream = recordSse(response.body);
    await stream.settle();
    expect(stream.events.map((event) => event.event)).toEqual(['hello', 'snapshot', 'log']);
    expect(feed.clientCount).toBe(1);
    await stream.cancel();
    expect(feed.clientCount).toBe(0);
  });

  it('closes the connection of a stream that ends at once, so a stopping service is not held open', async () => {
    const { app } = fixture();
    for (const runtime of runtimes) runtime.stop();
    const response = await app.request('/inspect/api/stream', { headers: AUTH });
    expect(response.status).toBe(200);
    expect(response.headers.get('connection')).toBe('close');
    expect(await response.text()).toContain('event: closing');
  });

  it('needs no token when the service has none', async () => {
    const response = await fixture(null).app.request('/inspect/api/stream');
    expect(response.status).toBe(200);
    await response.body?.cancel();
  });

  it('refuses a stream past INSPECT_MAX_CLIENTS with a 503 JSON error, and takes one again once a page leaves', async () => {
    const { app, feed } = fixture(TOKEN, { maxClients: 2 });
    const open = await Promise.all([1, 2].map(async () => app.request('/inspect/api/stream', { headers: AUTH })));
    expect(open.map((response) => response.status)).toEqual([200, 200]);
    expect(feed.clientCount).toBe(2);
    const refused = await app.request('/inspect/api/stream', { headers: AUTH });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(await errorOf(refused)).toMatch(/2 pages open, the most INSPECT_MAX_CLIENTS allows/);
    // The token is still checked first: a stranger learns nothing of the streams.
    expect((await app.request('/inspect/api/stream')).status).toBe(401);
    await open[0]?.body?.cancel();
    expect(feed.clientCount).toBe(1);
    const again = await app.request('/inspect/api/stream', { headers: AUTH });
    expect(again.status).toBe(200);
    await Promise.all([open[1]?.body?.cancel(), again.body?.cancel()]);
  });

  it('allows 50 streams unless told otherwise', () => {
    expect(fixture().feed.maxClients).toBe(50);
  });
});

describe('the fault control', () => {
  it('changes a sim:// engine and pushes the change to the pages', async () => {
    const { app, lean, feed, clock } = fixture();
    const response = await app.request('/inspect/api/stream', { headers: AUTH });
    if (response.body === null) throw new Error('the stream has no body');
    const stream = recordSse(response.body);
    await stream.settle();

    const answer = await postFaults(app, 'lean_self_hosted', JSON.stringify({ mode: 'fail', latency_ms: 20 }));
    expect(answer.status).toBe(200);
    expect((await answer.json()) as FaultsAnswer).toEqual({
      engine: 'lean_self_hosted',
      faults: { mode: 'fail', latency_ms: 20, fail_rate: 0, reject_rate: 0 },
    });
    expect(lean.faults().mode).toBe('fail');

    await clock.advance(0);
    await stream.settle();
    expect(stream.data<LiveSnapshot>('snapshot').at(-1)?.engines[0]?.faults?.mode).toBe('fail');
    await stream.cancel();
    expect(feed.clientCount).toBe(0);
  });

  it('needs the admin token', async () => {
    const { app, lean } = fixture();
    const response = await postFaults(app, 'lean_self_hosted', '{"mode":"fail"}', { 'Content-Type': 'application/json' });
    expect(response.status).toBe(401);
    expect(lean.faults().mode).toBe('ok');
  });

  it.each([
    ['an unknown engine', 'no_such_engine', '{"mode":"fail"}', undefined, 404, /unknown engine "no_such_engine"/],
    ['an engine not configured', 'nautilus_trader', '{"mode":"fail"}', undefined, 404, /not configured/],
    ['an engine bridge', 'quanttrader_pybroker', '{"mode":"fail"}', undefined, 409, /only into sim:\/\/ engines/],
    ['a body that is not JSON', 'lean_self_hosted', '{mode: fail}', undefined, 400, /not valid JSON/],
    ['a body that is not an object', 'lean_self_hosted', '[1]', undefined, 400, /must be an object/],
    ['an unknown fault', 'lean_self_hosted', '{"mood":"fail"}', undefined, 400, /unknown fault "mood"/],
    ['a bad mode', 'lean_self_hosted', '{"mode":"explode"}', undefined, 400, /mode must be one of ok, fail, hang, down, reject/],
    ['a rate above 1', 'lean_self_hosted', '{"fail_rate":2}', undefined, 400, /fail_rate must be a number from 0 to 1/],
    ['a form post', 'lean_self_hosted', 'mode=fail', 'application/x-www-form-urlencoded', 415, /Content-Type: application\/json/],
  ])('refuses %s with a JSON error, changing nothing', async (_what, engine, body, contentType, status, message) => {
    const { app, lean } = fixture();
    const response = await postFaults(app, engine, body, { ...AUTH, 'Content-Type': contentType ?? 'application/json' });
    expect(response.status).toBe(status);
    expect(await errorOf(response)).toMatch(message);
    expect(lean.faults()).toEqual({ mode: 'ok', latency_ms: 5, fail_rate: 0, reject_rate: 0 });
  });

  it('refuses a body over the limit with 413', async () => {
    const { app } = fixture();
    const response = await postFaults(app, 'lean_self_hosted', JSON.stringify({ mode: 'fail', padding: 'x'.repeat(MAX_FAULTS_BODY_BYTES) }));
    expect(response.status).toBe(413);
    expect(await errorOf(response)).toMatch(/larger than/);
  });
});

describe('the diagram', () => {
  let svg: string;
  beforeAll(async () => {
    svg = await assets.diagram();
  });

  it('is the committed statecharts/failover.svg, read as it is, and inlined in the page', async () => {
    expect(svg).toBe(await readFile(new URL('../../statecharts/failover.svg', import.meta.url), 'utf8'));
    const html = await (await fixture(null).app.request('/inspect')).text();
    expect(html).toContain(svg.slice(0, svg.indexOf('<style>')));
    expect(html.match(/data-state="primaryActive"/g)).toHaveLength(2);
  });

  it('says which file to generate when the drawing is missing', async () => {
    const missing = readDiagramSvg('/nonexistent/failover.svg');
    await expect(missing).rejects.toThrow(/npm run statecharts/);
    await expect(missing).rejects.toHaveProperty('cause');
  });

  it('gets a second copy whose ids and references are all prefixed, so both fit in one page', () => {
    const copy = prefixSvgIds(svg, 'sim-');
    const ids = [...copy.matchAll(/\sid="([^"]+)"/g)].map((match) => match[1] ?? '');
    const references = [...copy.matchAll(/url\(#([^)]+)\)/g), ...copy.matchAll(/aria-labelledby="([^"]+)"/g)].map((match) => match[1] ?? '');
    expect(ids.length).toBeGreaterThan(10);
    expect(references.length).toBeGreaterThan(10);
    for (const id of ids) expect(id).toMatch(/^sim-/);
    for (const reference of references) expect(ids, reference).toContain(reference);
    expect(copy.match(/data-state="/g)?.length).toBe(svg.match(/data-state="/g)?.length);
  });
});
