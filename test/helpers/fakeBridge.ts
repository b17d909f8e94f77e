/**
 * A real HTTP engine bridge for tests, speaking the bridge protocol (contract section 4) on
 * 127.0.0.1 with a random port, whose behaviour can be switched while it runs.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * - `ok`: executes orders (a repeat `Idempotency-Key` gets the first report);
 * - `fail`: 500 on every call;
 * - `reject`: 422 `{error}` on orders, healthy;
 * - `slow`: records the order on arrival, answers after `delayMs`;
 * - `hang`: never answers anything;
 * - `hang-after-execute`: records the order, never answers it (lookups and health still answer);
 * - `drop-after-execute`: records the order, then destroys the connection without answering;
 * - `down`: not listening: connection refused;
 * - `status`: answers orders with `status` (lookups and health as in `ok`).
 */
export type FakeBridgeMode =
  | 'ok'
  | 'fail'
  | 'reject'
  | 'slow'
  | 'hang'
  | 'hang-after-execute'
  | 'drop-after-execute'
  | 'down'
  | 'status';

/** Settings of a fake bridge; `setMode` changes them. */
export interface FakeBridgeOptions {
  readonly mode?: FakeBridgeMode;
  /** `slow` mode's delay before every answer; default 0. */
  readonly delayMs?: number;
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
  /** Parsed JSON, or the raw text when it is not JSON. */
  readonly body: unknown;
}

/** A running fake bridge. */
export interface FakeBridge {
  /** Base URL, including `basePath`, without a trailing slash. */
  readonly url: string;
  readonly port: number;
  readonly requests: RecordedRequest[];
  /** Reports of executed orders by signal id. */
  readonly executed: Map<string, unknown>;
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

/** Starts a fake bridge on 127.0.0.1 with a port of its own. */
export async function startFakeBridge(options: FakeBridgeOptions = {}): Promise<FakeBridge> {
  let mode: FakeBridgeMode = options.mode ?? 'ok';
  let delayMs = options.delayMs ?? 0;
  let status = options.status ?? 500;
  let statusBody = options.statusBody;
  let healthStatus = options.healthStatus ?? 200;
  const basePath = (options.basePath ?? '').replace(/\/+$/, '');
  const requests: RecordedRequest[] = [];
  const executed = new Map<string, unknown>();
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let listening = false;
  let closed = false;
  let orderCount = 0;

  function later(ms: number, action: () => void): void {
    const timer = setTimeout(() => {
      timers.delete(timer);
      action();
    }, ms);
    timers.add(timer);
  }

  function send(response: ServerResponse, code: number, body: unknown): void {
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

  function execute(signalId: string, body: unknown): unknown {
    const earlier = executed.get(signalId);
    if (earlier !== undefined) return earlier;
    orderCount += 1;
    const symbol = typeof body === 'object' && body !== null && 'symbol' in body ? body.symbol : null;
    const report = { order_id: `fake-${orderCount}`, signal_id: signalId, symbol, status: 'filled' };
    executed.set(signalId, report);
    return report;
  }

  function handleOrder(request: IncomingMessage, response: ServerResponse, body: unknown, key: string | undefined): void {
    const signalId =
      key ?? (typeof body === 'object' && body !== null && 'signal_id' in body ? String(body.signal_id) : '');
    switch (mode) {
      case 'fail':
        return send(response, 500, { error: 'fake bridge failure' });
      case 'reject':
        return send(response, 422, { error: 'rejected by the fake bridge' });
      case 'status':
        return send(response, status, statusBody ?? { error: `fake bridge answered ${status}` });
      case 'hang':
        return;
      case 'hang-after-execute':
        execute(signalId, body);
        return;
      case 'drop-after-execute':
        execute(signalId, body);
        request.socket.destroy();
        return;
      case 'slow': {
        const report = execute(signalId, body);
        return later(delayMs, () => send(response, 200, report));
      }
      case 'ok':
      case 'down':
        return send(response, 200, execute(signalId, body));
    }
  }

  function handleRead(response: ServerResponse, path: string): void {
    if (mode === 'hang') return;
    if (mode === 'fail') return send(response, 500, { error: 'fake bridge failure' });
    const answer = (): void => {
      if (path === '/health') return send(response, healthStatus, { status: healthStatus === 200 ? 'ok' : 'degraded' });
      const id = decodeURIComponent(path.slice('/orders/'.length));
      const report = executed.get(id);
      if (report === undefined) send(response, 404, { error: `no order for ${id}` });
      else send(response, 200, report);
    };
    if (mode === 'slow') later(delayMs, answer);
    else answer();
  }

  const server = createServer((request, response) => {
    void (async () => {
      const text = await readBody(request);
      const method = request.method ?? 'GET';
      const fullPath = new URL(request.url ?? '/', 'http://fake').pathname;
      const path = fullPath.startsWith(`${basePath}/`) ? fullPath.slice(basePath.length) : fullPath;
      const key = headerText(request.headers['idempotency-key']);
      const body = parseBody(text);
      requests.push({ method, path, idempotencyKey: key, authorization: request.headers.authorization, body });
      const inBase = basePath === '' || fullPath.startsWith(`${basePath}/`);
      if (inBase && method === 'POST' && path === '/orders') return handleOrder(request, response, body, key);
      if (inBase && method === 'GET' && (path === '/health' || /^\/orders\/[^/]+$/.test(path))) {
        return handleRead(response, path);
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
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
    await closed;
  }

  const port = await listen(0);
  if (mode === 'down') await stopListening();

  return {
    url: `http://127.0.0.1:${port}${basePath}`,
    port,
    requests,
    executed,
    async setMode(next, settings = {}) {
      delayMs = settings.delayMs ?? delayMs;
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
    },
  };
}
