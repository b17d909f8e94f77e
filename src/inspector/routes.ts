/**
 * The inspector's HTTP routes.
 *
 * Auth: the page, its script and style sheet and the shipped scenario files are public: they hold
 * no data about the running service. The live stream and the fault control carry data and change
 * things, so when `ADMIN_TOKEN` is set they need `Authorization: Bearer <token>`, as `/admin/*`
 * does. The page asks for the token and sends it as that header on `fetch()` (it reads the stream
 * with `fetch`, not `EventSource`, which cannot send headers), so the token never appears in a URL
 * or an access log.
 */
import type { Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { etag } from 'hono/etag';
import { ENGINE_IDS, isEngineId, type EngineId } from '../../machines/engines.js';
import { isSimEngine } from '../engines/simEngine.js';
import { parseSimFaultsPatch } from '../engines/simFaults.js';
import type { ExecutionEngine } from '../engines/types.js';
import { requireBearerToken } from '../http/auth.js';
import type { Logger } from '../log.js';
import type { ClientAssets } from './assets.js';
import type { LiveFeed } from './liveFeed.js';
import { PAGE_CSP, pageHtml } from './page.js';
import { FAULTS_PATH, PAGE_PATH, SCENARIOS_PATH, SCRIPT_PATH, STREAM_PATH, STYLE_PATH, type FaultsAnswer } from './protocol.js';
import type { ScenarioFiles } from './scenarioFiles.js';
import { SSE_HEADERS } from './sse.js';

/** Largest fault-control body accepted. */
export const MAX_FAULTS_BODY_BYTES = 4 * 1024;

/** What the routes need. */
export interface InspectorRouteDeps {
  readonly feed: LiveFeed;
  /** The engines whose faults the page may change (only `sim://` ones accept). */
  readonly engines: () => Partial<Record<EngineId, ExecutionEngine>>;
  readonly adminToken: string | undefined;
  readonly assets: ClientAssets;
  readonly scenarios: ScenarioFiles;
  readonly log: Logger;
}

/** Headers of every inspector answer: no sniffing, no referrer, never framed. */
const COMMON_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

type FaultsResult =
  { readonly ok: true; readonly answer: FaultsAnswer } | { readonly ok: false; readonly httpStatus: 400 | 404 | 409 | 415; readonly error: string };

/**
 * Applies a fault change to one engine: validates the engine id, that it is a `sim://` engine,
 * the content type and the JSON body. Pure of HTTP, so each refusal is easy to test.
 */
export function applyFaults(
  engines: Partial<Record<EngineId, ExecutionEngine>>,
  engineId: string,
  contentType: string | undefined,
  bodyText: string,
): FaultsResult {
  if (!isEngineId(engineId)) {
    return { ok: false, httpStatus: 404, error: `unknown engine "${engineId}": expected one of ${ENGINE_IDS.join(', ')}` };
  }
  const engine = engines[engineId];
  if (engine === undefined) return { ok: false, httpStatus: 404, error: `engine ${engineId} is not configured in this service` };
  if (!isSimEngine(engine)) {
    return {
      ok: false,
      httpStatus: 409,
      error: `engine ${engineId} is an engine bridge (${engine.url}); faults can be injected only into sim:// engines`,
    };
  }
  // A JSON content type makes a cross-site form post impossible without a CORS preflight.
  if (!/^application\/json\b/i.test(contentType ?? '')) {
    return { ok: false, httpStatus: 415, error: 'send the faults as JSON with Content-Type: application/json' };
  }
  let patch: unknown;
  try {
    patch = JSON.parse(bodyText);
  } catch {
    return { ok: false, httpStatus: 400, error: 'the body is not valid JSON' };
  }
  try {
    return { ok: true, answer: { engine: engineId, faults: engine.setFaults(parseSimFaultsPatch(patch)) } };
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    return { ok: false, httpStatus: 400, error: `bad faults for ${engineId}: ${error.message}` };
  }
}

function withHeaders(c: Context, headers: Readonly<Record<string, string>>): void {
  for (const [name, value] of Object.entries({ ...COMMON_HEADERS, ...headers })) c.header(name, value);
}

/** Mounts the page, its assets, the scenarios, the live stream and the fault control on `app`. */
export function mountInspector(app: Hono, deps: InspectorRouteDeps): void {
  const { feed, log } = deps;
  const auth = requireBearerToken({ token: deps.adminToken });

  app.get(PAGE_PATH, async (c) => {
    const diagram = await deps.assets.diagram();
    withHeaders(c, { 'Content-Security-Policy': PAGE_CSP, 'Cache-Control': 'no-cache' });
    return c.html(pageHtml(deps.adminToken !== undefined, diagram));
  });
  // The script and style sheet change only with a new release: let the browser revalidate cheaply.
  app.get(SCRIPT_PATH, etag(), async (c) => {
    withHeaders(c, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-cache' });
    return c.body(await deps.assets.script());
  });
  app.get(STYLE_PATH, etag(), async (c) => {
    withHeaders(c, { 'Content-Type': 'text/css; charset=utf-8', 'Cache-Control': 'no-cache' });
    return c.body(await deps.assets.style());
  });

  app.get(SCENARIOS_PATH, async (c) => {
    withHeaders(c, {});
    return c.json(await deps.scenarios.list());
  });
  app.get(`${SCENARIOS_PATH}/:file`, async (c) => {
    withHeaders(c, {});
    const file = c.req.param('file');
    const text = await deps.scenarios.read(file);
    if (text === null) return c.json({ error: `no shipped scenario named "${file}"` }, 404);
    c.header('Content-Type', 'application/json; charset=utf-8');
    return c.body(text);
  });

  app.get(STREAM_PATH, auth, (c) => {
    if (feed.full) {
      withHeaders(c, { 'Retry-After': '5' });
      return c.json(
        {
          error: `the inspector's live stream already has ${feed.maxClients} pages open, the most INSPECT_MAX_CLIENTS allows: close one, or raise INSPECT_MAX_CLIENTS`,
        },
        503,
      );
    }
    const { stream, live } = feed.open();
    withHeaders(c, live ? SSE_HEADERS : { ...SSE_HEADERS, Connection: 'close' });
    return c.body(stream);
  });

  app.post(
    `${FAULTS_PATH}/:engine`,
    auth,
    bodyLimit({
      maxSize: MAX_FAULTS_BODY_BYTES,
      onError: (c) => c.json({ error: `the body is larger than ${MAX_FAULTS_BODY_BYTES} bytes` }, 413),
    }),
    async (c) => {
      withHeaders(c, {});
      const engine = c.req.param('engine');
      const result = applyFaults(deps.engines(), engine, c.req.header('content-type'), await c.req.text());
      if (!result.ok) return c.json({ error: result.error }, result.httpStatus);
      log.info({ engine, faults: result.answer.faults }, `inspector: faults of ${engine} set`);
      feed.changed();
      return c.json(result.answer);
    },
  );
}
