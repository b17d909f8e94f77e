/**
 * A real HTTP engine bridge for tests, speaking the bridge protocol (contract section 4) on
 * 127.0.0.1 with a random port, whose behaviour can be switched while it runs. It behaves like a
 * real bridge, awkward parts included, because a fake that is kinder than the real thing hides
 * double executions:
 *
 * - **Placing takes time.** An order is in progress from its arrival until it is placed, `placeMs`
 *   later (default 0: at once), as a bridge waits for its broker to confirm. Only a placed order
 *   exists for lookups, in `executed` and in `placements`.
 * - **Idempotency** (`idempotency`, see `fakeOrderBook.ts`): `ietf` (default) answers a repeat of a
 *   key still in progress, and a lookup of it, `409 {"error":"in_progress"}` and places nothing, as
 *   the IETF Idempotency-Key draft says; `naive` answers a lookup 404 until the order is placed and
 *   places a second order for a repeat that arrives while the first is in progress, as a bridge
 *   does that writes its idempotency record only once the broker confirmed. Both answer a repeat
 *   after placement with the first report and place nothing.
 * - **Fencing** (`fencing`, default off): the bridge remembers the highest `X-Leader-Epoch` of any
 *   request it received, in any mode (health and lookups included; it remembers it with fencing
 *   off too). A fencing bridge answers an order with a lower epoch, or with none once a fence is
 *   set, `409 {"error":"stale_epoch","epoch":<highest>}` and places nothing, before any other
 *   rule; this is checked in every mode that takes orders in (all but `fail`, `hang`, `down`).
 *   Lookups and health are never refused, only remembered: a new leader's lookup raises the fence.
 * - **Repeats are answered from the idempotency store** in every mode that places orders: the
 *   first report (200) or 409 in progress, without placing, even in `hang-after-execute` and
 *   `drop-after-execute`, whose failure hits the answer to a new order only.
 * - **Answers come late or never**, by mode. What happens to a request is decided by the mode at
 *   its arrival; a later switch changes what later requests get.
 *
 * Modes (what each imitates):
 * - `ok`: places each new order after `placeMs`, then answers 200 with its report (a healthy bridge);
 * - `fail`: 500 on every call, places nothing (the bridge is up, its broker connection is not);
 * - `reject`: 422 `{error}` on orders, healthy, places nothing (the broker refuses the order);
 * - `slow`: every answer comes `delayMs` late; a new order is placed `placeMs + delayMs` after its
 *   arrival and answered then (an overloaded bridge or a broker slow to confirm);
 * - `hang`: never answers anything, places nothing (a wedged process that still accepts connections);
 * - `hang-after-execute`: places a new order after `placeMs`, never answers it; lookups, health
 *   and repeats still answer (the broker confirmed but the answer was lost: a stuck worker, a proxy
 *   that dropped the response);
 * - `drop-after-execute`: places a new order after `placeMs`, then destroys the connection without
 *   answering (a bridge that crashes, or a load balancer resetting idle connections, after sending
 *   the order on);
 * - `down`: not listening: connection refused (the bridge process is gone);
 * - `status`: answers orders with `status` and places nothing, lookups and health as in `ok` (a
 *   bridge answering oddly, for the answer classification tests).
 *
 * Closing (and switching to `down`) destroys every connection and cancels pending answers, but an
 * order in progress is still placed when its time comes: the bridge handed it to its broker, and
 * losing the bridge does not recall it. Only its answer is lost. After `close()` those pending
 * placements no longer keep the process alive.
 *
 * Records: every request (`requests`, with its epoch and the mode it met), every placement
 * (`placements`, a naive double shows as two), and the first report per placed key (`executed`).
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { FakeOrderBook, type IdempotencyBehaviour, type Placement } from './fakeOrderBook.js';

export type { IdempotencyBehaviour, Placement } from './fakeOrderBook.js';

/** The bridge's behaviours; see the file header. */
export type FakeBridgeMode = 'ok' | 'fail' | 'reject' | 'slow' | 'hang' | 'hang-after-execute' | 'drop-after-execute' | 'down' | 'status';

/** Settings of a fake bridge; `setMode` changes them (all but `basePath`). */
export interface FakeBridgeOptions {
  readonly mode?: FakeBridgeMode;
  /** `slow` mode's delay before every answer (and of placing); default 0. */
  readonly delayMs?: number;
  /** How long an order is in progress before it is placed; default 0 (placed on arrival). */
  readonly placeMs?: number;
  /** How a repeated Idempotency-Key is treated; default `ietf`. */
  readonly idempotency?: IdempotencyBehaviour;
  /** Refuse orders with an epoch below the highest seen; default false. */
  readonly fencing?: boolean;
  /** `status` mode's answer to orders; default 500. */
  readonly status?: number;
  /** `status` mode's body: text is sent as is, anything else as JSON; default `{error}`. */
  readonly statusBody?: unknown;
  /** The answer to `GET /health` when the mode allows one; default 200. */
  readonly healthStatus?: number;
  /** A path prefix the bridge lives under, such as `/api/v1`; default none. */
  readonly basePath?: string;
}

/** One request as the bridge saw it. */
export interface RecordedRequest {
  readonly method: string;
  /** Below `basePath`, such as `/orders`. */
  readonly path: string;
  readonly idempotencyKey: string | undefined;
  readonly authorization: string | undefined;
  /** Its `X-Leader-Epoch` as a number; null when absent or not an integer. */
  readonly epoch: number | null;
  /** The bridge's mode when it arrived, which decided what happened to it. */
  readonly mode: FakeBridgeMode;
  /** `Date.now()` when its body had arrived. */
  readonly receivedAt: number;
  /** Parsed JSON, or the raw text when it is not JSON. */
  readonly body: unknown;
}

/** A running fake bridge. */
export interface FakeBridge {
  /** Base URL, including `basePath`, without a trailing slash. */
  readonly url: string;
  readonly port: number;
  readonly requests: RecordedRequest[];
  /** The first report of every placed order, by signal id (its Idempotency-Key). */
  readonly executed: Map<string, unknown>;
  /** Every order placed, in placing order. */
  readonly placements: readonly Placement[];
  /** Signal ids with an order in progress (not yet placed), once per order. */
  inProgress(): string[];
  /** The highest `X-Leader-Epoch` seen on any request, or null. */
  highestEpoch(): number | null;
  /** Resolves with the first placement of `signalId` (at once if it was placed already). */
  whenPlaced(signalId: string): Promise<Placement>;
  /** Switches behaviour; to and from `down`, resolves once the port is closed or listening again. */
  setMode(mode: FakeBridgeMode, options?: Omit<FakeBridgeOptions, 'mode' | 'basePath'>): Promise<void>;
  /** Stops listening and destroys open connections, so no test waits for a hanging request. */
  close(): Promise<void>;
}

function parseBody(text: string): unknown {
  if (text === '') return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

function parseEpoch(value: string | undefined): number | null {
  if (value === undefined || !/^\s*-?\d+\s*$/.test(value)) return null;
  const epoch = Number(value);
  return Number.isSafeInteger(epoch) ? epoch : null;
}

/** Starts a fake bridge on 127.0.0.1 with a port of its own. */
export async function startFakeBridge(options: FakeBridgeOptions = {}): Promise<FakeBridge> {
  let mode: FakeBridgeMode = options.mode ?? 'ok';
  let delayMs = options.delayMs ?? 0;
  let placeMs = options.placeMs ?? 0;
  let fencing = options.fencing ?? false;
  let status = options.status ?? 500;
  let statusBody = options.statusBody;
  let healthStatus = options.healthStatus ?? 200;
  const basePath = (options.basePath ?? '').replace(/\/+$/, '');
  const requests: RecordedRequest[] = [];
  const book = new FakeOrderBook(options.idempotency ?? 'ietf');
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let listening = false;
  let closed = false;

  function later(ms: number, action: () => void): void {
    const timer = setTimeout(() => {
      timers.delete(timer);
      action();
    }, ms);
    timers.add(timer);
  }

  function send(response: ServerResponse, code: number, body: unknown): void {
    // A placement that completes after a close or a drop has no one to answer.
    const socket = response.socket;
    if (closed || socket === null || socket.destroyed || response.writableEnded) return;
    const isText = typeof body === 'string';
    response.writeHead(code, {
      'Content-Type': isText ? 'text/plain' : 'application/json',
      // No keep-alive: a pooled connection could outlive a switch to `down` and blur "refused".
      Connection: 'close',
      // A redirect back to the orders path: a client that follows redirects would loop.
      ...(code >= 300 && code < 400 ? { Location: `${basePath}/orders` } : {}),
    });
    response.end(isText ? body : JSON.stringify(body));
  }

  /** Answers now, or `delayMs` later for a request that arrived in `slow` mode. */
  function reply(arrival: FakeBridgeMode, response: ServerResponse, code: number, body: unknown): void {
    if (arrival === 'slow') later(delayMs, () => send(response, code, body));
    else send(response, code, body);
  }

  function handleOrder(request: IncomingMessage, response: ServerResponse, recorded: RecordedRequest, requestIndex: number): void {
    const { mode: arrival, body, epoch } = recorded;
    if (arrival === 'hang') return;
    if (arrival === 'down') {
      // Its body finished arriving as the bridge went down: it is dropped unprocessed.
      request.socket.destroy();
      return;
    }
    if (arrival === 'fail') return send(response, 500, { error: 'fake bridge failure' });
    if (fencing && book.isStale(epoch)) {
      return reply(arrival, response, 409, { error: 'stale_epoch', epoch: book.highestEpoch });
    }
    if (arrival === 'reject') return send(response, 422, { error: 'rejected by the fake bridge' });
    if (arrival === 'status') return send(response, status, statusBody ?? { error: `fake bridge answered ${status}` });
    const key = recorded.idempotencyKey ?? (typeof body === 'object' && body !== null && 'signal_id' in body ? String(body.signal_id) : '');
    const admission = book.admit(key);
    // Repeats are answered from the idempotency store, which works in every placing mode.
    if (admission.kind === 'repeat') return reply(arrival, response, 200, admission.report);
    if (admission.kind === 'in_progress') return reply(arrival, response, 409, { error: 'in_progress' });
    const order = { key, body, epoch, authorization: recorded.authorization, requestIndex };
    book.place(order, placeMs + (arrival === 'slow' ? delayMs : 0), (report) => {
      if (arrival === 'hang-after-execute') return;
      if (arrival === 'drop-after-execute') {
        request.socket.destroy();
        return;
      }
      send(response, 200, report);
    });
  }

  function handleRead(response: ServerResponse, path: string, arrival: FakeBridgeMode): void {
    if (arrival === 'hang') return;
    if (arrival === 'fail') return send(response, 500, { error: 'fake bridge failure' });
    const answer = (): void => {
      if (path === '/health') return send(response, healthStatus, { status: healthStatus === 200 ? 'ok' : 'degraded' });
      const id = decodeURIComponent(path.slice('/orders/'.length));
      // Read when answering: a slow lookup tells what the bridge knows by then.
      const found = book.lookup(id);
      if (found.kind === 'placed') send(response, 200, found.report);
      else if (found.kind === 'in_progress') send(response, 409, { error: 'in_progress' });
      else send(response, 404, { error: `no order for ${id}` });
    };
    if (arrival === 'slow') later(delayMs, answer);
    else answer();
  }

  const server = createServer((request, response) => {
    void (async () => {
      const text = await readBody(request);
      const method = request.method ?? 'GET';
      const fullPath = new URL(request.url ?? '/', 'http://fake').pathname;
      const path = fullPath.startsWith(`${basePath}/`) ? fullPath.slice(basePath.length) : fullPath;
      const epoch = parseEpoch(headerText(request.headers['x-leader-epoch']));
      const recorded: RecordedRequest = {
        method,
        path,
        idempotencyKey: headerText(request.headers['idempotency-key']),
        authorization: request.headers.authorization,
        epoch,
        mode,
        receivedAt: Date.now(),
        body: parseBody(text),
      };
      const requestIndex = requests.push(recorded) - 1;
      // Any request raises the fence, whatever it asks and whatever the mode.
      book.seeEpoch(epoch);
      const inBase = basePath === '' || fullPath.startsWith(`${basePath}/`);
      if (inBase && method === 'POST' && path === '/orders') return handleOrder(request, response, recorded, requestIndex);
      if (inBase && method === 'GET' && (path === '/health' || /^\/orders\/[^/]+$/.test(path))) {
        return handleRead(response, path, recorded.mode);
      }
      send(response, 404, { error: `no route ${method} ${fullPath}` });
    })().catch((error: unknown) => {
      // Only reachable when the client went away mid-body; the test sees that on its side.
      if (!response.headersSent) send(response, 500, { error: String(error) });
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function listen(port: number): Promise<number> {
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    listening = true;
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('fake bridge: no TCP address');
    return address.port;
  }

  async function stopListening(): Promise<void> {
    if (!listening) return;
    listening = false;
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    // Pending answers go; pending placements stay (see the header).
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
    await stopped;
  }

  const port = await listen(0);
  if (mode === 'down') await stopListening();

  return {
    url: `http://127.0.0.1:${port}${basePath}`,
    port,
    requests,
    executed: book.executed,
    placements: book.placements,
    inProgress: () => book.inProgress(),
    highestEpoch: () => book.highestEpoch,
    whenPlaced: (signalId) => book.whenPlaced(signalId),
    async setMode(next, settings = {}) {
      delayMs = settings.delayMs ?? delayMs;
      placeMs = settings.placeMs ?? placeMs;
      book.idempotency = settings.idempotency ?? book.idempotency;
      fencing = settings.fencing ?? fencing;
      status = settings.status ?? status;
      if ('statusBody' in settings) statusBody = settings.statusBody;
      healthStatus = settings.healthStatus ?? healthStatus;
      mode = next;
      if (next === 'down') await stopListening();
      else if (!listening && !closed) await listen(port);
    },
    async close() {
      closed = true;
      await stopListening();
      book.unrefPlacing();
    },
  };
}
