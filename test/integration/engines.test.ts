/**
 * The HTTP bridge adapter against a real HTTP server in every behaviour the protocol knows, the
 * classification of transport failures, and adapter selection by URL.
 */
import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, isSimEngine } from '../../src/engines/createEngine.js';
import { classifyFetchFailure } from '../../src/engines/fetchFailure.js';
import { createHttpBridge } from '../../src/engines/httpBridge.js';
import type { EngineCall, ExecutionEngine } from '../../src/engines/types.js';
import type { Signal } from '../../src/signals/signal.js';
import { startFakeBridge, type FakeBridge, type FakeBridgeOptions } from '../support/fakeBridge.js';

const TIMEOUT_MS = 200;
/** The caller's leader epoch; what the bridge does with it is tested in bridgeProtocol.test.ts. */
const CALL: EngineCall = { epoch: 1 };

const bridges: FakeBridge[] = [];
const tcpServers: Server[] = [];

afterEach(async () => {
  await Promise.all(bridges.splice(0).map((bridge) => bridge.close()));
  await Promise.all(tcpServers.splice(0).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
});

async function bridge(options: FakeBridgeOptions = {}): Promise<FakeBridge> {
  const started = await startFakeBridge(options);
  bridges.push(started);
  return started;
}

function client(url: string, timeoutMs = TIMEOUT_MS): ExecutionEngine {
  return createHttpBridge({ id: 'lean_self_hosted', url, timeoutMs });
}

let signalCount = 0;
function signal(fields: Record<string, unknown> = {}): Signal {
  signalCount += 1;
  return { signal_id: `sig-${signalCount}`, symbol: 'AAPL', action: 'BUY', quantity: 10, order_type: 'MARKET', ...fields };
}

function portOf(server: Server): number {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the test server has no TCP port');
  return address.port;
}

/** A port nothing listens on: bound once, then released. */
async function closedPort(): Promise<number> {
  const server = createTcpServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = portOf(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A TCP server that reads the request and then resets the connection (RST) without answering. */
async function resettingServer(): Promise<number> {
  const server = createTcpServer((socket) => {
    socket.once('data', () => socket.resetAndDestroy());
  });
  tcpServers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return portOf(server);
}

/** An HTTP server that sends the status line and half a body, then drops the connection. */
async function truncatingServer(status: number): Promise<number> {
  const server = createHttpServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': '100' });
      response.write('{"order_id":', () => response.socket?.destroy());
    });
  });
  tcpServers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return portOf(server);
}

function systemError(message: string, code: string, syscall: string): Error {
  return Object.assign(new Error(message), { code, syscall });
}

describe('classifyFetchFailure', () => {
  it.each([
    ['connection refused', systemError('connect ECONNREFUSED 127.0.0.1:9', 'ECONNREFUSED', 'connect')],
    ['unknown host', systemError('getaddrinfo ENOTFOUND engine.invalid', 'ENOTFOUND', 'getaddrinfo')],
    ['temporary DNS failure', systemError('getaddrinfo EAI_AGAIN engine', 'EAI_AGAIN', 'getaddrinfo')],
    ['unreachable network on connect', systemError('connect ENETUNREACH', 'ENETUNREACH', 'connect')],
    ['a port fetch refuses to use', new Error('bad port')],
    ['a connect that timed out in the kernel', systemError('connect ETIMEDOUT 10.0.0.1:80', 'ETIMEDOUT', 'connect')],
  ])('%s: not sent, so the outcome is known', (_name, cause) => {
    const failure = classifyFetchFailure(new TypeError('fetch failed', { cause }), TIMEOUT_MS);
    expect(failure.unknownOutcome).toBe(false);
    expect(failure.reason).toContain(cause.message);
  });

  it.each([
    ['socket closed by the other side', Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' })],
    ['connection reset while reading', systemError('read ECONNRESET', 'ECONNRESET', 'read')],
    ['broken pipe while writing', systemError('write EPIPE', 'EPIPE', 'write')],
    ['a read that timed out in the kernel', systemError('read ETIMEDOUT', 'ETIMEDOUT', 'read')],
    ['an error nobody anticipated', new Error('something odd')],
  ])('%s: may have been sent, so the outcome is unknown', (_name, cause) => {
    const failure = classifyFetchFailure(new TypeError('fetch failed', { cause }), TIMEOUT_MS);
    expect(failure).toEqual({ unknownOutcome: true, reason: expect.stringContaining(cause.message) });
  });

  it('counts a timeout as unknown and says how long it waited', () => {
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    expect(classifyFetchFailure(timeout, 1234)).toEqual({ unknownOutcome: true, reason: 'no answer within 1234 ms' });
  });

  it('counts a response body cut off after the answer began as unknown', () => {
    const error = new TypeError('terminated', {
      cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }),
    });
    expect(classifyFetchFailure(error, TIMEOUT_MS).unknownOutcome).toBe(true);
  });

  it('reads every attempt of a multi-address connect: refused only when all were refused', () => {
    const refused = systemError('connect ECONNREFUSED ::1:80', 'ECONNREFUSED', 'connect');
    const refusedToo = systemError('connect ECONNREFUSED 127.0.0.1:80', 'ECONNREFUSED', 'connect');
    const reset = systemError('read ECONNRESET', 'ECONNRESET', 'read');
    const allRefused = new TypeError('fetch failed', { cause: new AggregateError([refused, refusedToo]) });
    const mixed = new TypeError('fetch failed', { cause: new AggregateError([refused, reset]) });
    expect(classifyFetchFailure(allRefused, TIMEOUT_MS).unknownOutcome).toBe(false);
    expect(classifyFetchFailure(mixed, TIMEOUT_MS).unknownOutcome).toBe(true);
  });

  it('classifies the errors real fetch calls produce', async () => {
    const refused = await fetch(`http://127.0.0.1:${await closedPort()}/orders`, { method: 'POST' }).catch((error: unknown) => error);
    const reset = await fetch(`http://127.0.0.1:${await resettingServer()}/orders`, { method: 'POST', body: '{}' }).catch((error: unknown) => error);
    expect(classifyFetchFailure(refused, TIMEOUT_MS)).toEqual({
      unknownOutcome: false,
      reason: expect.stringContaining('connection refused'),
    });
    expect(classifyFetchFailure(reset, TIMEOUT_MS)).toEqual({
      unknownOutcome: true,
      reason: expect.stringContaining('ECONNRESET'),
    });
  });
});

describe('HTTP bridge: execute', () => {
  it('executes on 2xx, returning the JSON report, and sends the signal with its idempotency key', async () => {
    const fake = await bridge();
    const order = signal({ limit_price: null, strategy_id: 'momentum' });
    const result = await client(fake.url).execute(order, CALL);
    expect(result).toEqual({ kind: 'executed', report: fake.executed.get(order.signal_id), latencyMs: expect.any(Number) });
    expect(fake.requests).toEqual([expect.objectContaining({ method: 'POST', path: '/orders', idempotencyKey: order.signal_id, body: order })]);
  });

  it('sends the same key on a repeat, so the bridge answers with the first report', async () => {
    const fake = await bridge();
    const engine = client(fake.url);
    const order = signal();
    const first = await engine.execute(order, CALL);
    const second = await engine.execute(order, CALL);
    expect(first.kind === 'executed' && second.kind === 'executed').toBe(true);
    expect(second).toEqual({ ...first, latencyMs: expect.any(Number) });
    expect(fake.requests.map((request) => request.idempotencyKey)).toEqual([order.signal_id, order.signal_id]);
    expect(fake.executed.size).toBe(1);
  });

  it('keeps a 2xx body that is not JSON as text', async () => {
    const fake = await bridge({ mode: 'status', status: 201, statusBody: 'order accepted' });
    expect(await client(fake.url).execute(signal(), CALL)).toEqual({
      kind: 'executed',
      report: 'order accepted',
      latencyMs: expect.any(Number),
    });
  });

  it('measures latency over the whole answer', async () => {
    const fake = await bridge({ mode: 'slow', delayMs: 60 });
    const result = await client(fake.url, 2000).execute(signal(), CALL);
    expect(result.kind).toBe('executed');
    // Timer granularity can fire a millisecond early.
    expect(result.kind === 'executed' && result.latencyMs).toBeGreaterThanOrEqual(59);
  });

  it('rejects on 422 with the reason from the body', async () => {
    const fake = await bridge({ mode: 'reject' });
    expect(await client(fake.url).execute(signal(), CALL)).toEqual({
      kind: 'rejected',
      status: 422,
      reason: 'rejected by the fake bridge',
      report: { error: 'rejected by the fake bridge' },
    });
  });

  it.each([
    [400, { message: 'quantity must be positive' }, 'quantity must be positive'],
    [404, { error: 'unknown symbol' }, 'unknown symbol'],
    [410, 'gone, as text', 'HTTP 410 Gone'],
    [403, '', 'HTTP 403 Forbidden'],
  ])('rejects on %i, with the reason from error, message or the status line', async (status, statusBody, reason) => {
    const fake = await bridge({ mode: 'status', status, statusBody });
    const result = await client(fake.url).execute(signal(), CALL);
    expect(result).toEqual({ kind: 'rejected', status, reason, report: statusBody });
  });

  it.each([408, 429, 500, 502, 503])('counts %i as a failure whose order was not placed', async (status) => {
    const fake = await bridge({ mode: 'status', status });
    const result = await client(fake.url).execute(signal(), CALL);
    expect(result).toEqual({
      kind: 'failed',
      unknownOutcome: false,
      reason: expect.stringContaining(`HTTP ${status}`),
    });
  });

  it('does not follow a redirect, which would turn the order into a GET', async () => {
    const fake = await bridge({ mode: 'status', status: 307 });
    const result = await client(fake.url).execute(signal(), CALL);
    expect(result).toMatchObject({ kind: 'failed', unknownOutcome: false });
    expect(fake.requests).toHaveLength(1);
  });

  it('fails with a known outcome on 500 in fail mode', async () => {
    const fake = await bridge({ mode: 'fail' });
    expect(await client(fake.url).execute(signal(), CALL)).toEqual({
      kind: 'failed',
      unknownOutcome: false,
      reason: 'HTTP 500 Internal Server Error: fake bridge failure',
    });
  });

  it('fails with a known outcome when the connection is refused, and sends nothing', async () => {
    const fake = await bridge({ mode: 'down' });
    const result = await client(fake.url).execute(signal(), CALL);
    expect(result).toEqual({ kind: 'failed', unknownOutcome: false, reason: expect.stringContaining('connection refused') });
    await fake.setMode('ok');
    expect(fake.requests).toEqual([]);
    expect((await client(fake.url).execute(signal(), CALL)).kind).toBe('executed');
  });

  it('fails with an unknown outcome on a timeout, and the bridge never saw an answer go out', async () => {
    const fake = await bridge({ mode: 'hang' });
    const result = await client(fake.url).execute(signal(), CALL);
    expect(result).toEqual({ kind: 'failed', unknownOutcome: true, reason: `no answer within ${TIMEOUT_MS} ms` });
    expect(fake.requests).toHaveLength(1);
  });

  it('fails with an unknown outcome when the answer comes after the timeout, though the order stands', async () => {
    const fake = await bridge({ mode: 'slow', delayMs: TIMEOUT_MS * 3 });
    const engine = client(fake.url);
    const order = signal();
    expect(await engine.execute(order, CALL)).toMatchObject({ kind: 'failed', unknownOutcome: true });
    // Still being placed when the client gave up; placed all the same.
    expect(fake.executed.has(order.signal_id)).toBe(false);
    await fake.whenPlaced(order.signal_id);
    expect(fake.executed.has(order.signal_id)).toBe(true);
  });

  it('tells a refused connection from one dropped after the order was sent', async () => {
    const fake = await bridge({ mode: 'drop-after-execute' });
    const engine = client(fake.url, 2000);
    const dropped = signal();
    const droppedResult = await engine.execute(dropped, CALL);
    await fake.setMode('down');
    const refusedResult = await engine.execute(signal(), CALL);
    expect(droppedResult).toEqual({
      kind: 'failed',
      unknownOutcome: true,
      reason: expect.stringContaining('after the request was sent'),
    });
    expect(refusedResult).toMatchObject({ kind: 'failed', unknownOutcome: false });
    expect(fake.executed.has(dropped.signal_id)).toBe(true);
  });

  it('counts a reset after sending as unknown', async () => {
    const result = await client(`http://127.0.0.1:${await resettingServer()}`, 2000).execute(signal(), CALL);
    expect(result).toMatchObject({ kind: 'failed', unknownOutcome: true });
  });

  it('leaves a 2xx whose body is cut short to a lookup: unknown outcome', async () => {
    const result = await client(`http://127.0.0.1:${await truncatingServer(200)}`, 2000).execute(signal(), CALL);
    expect(result).toMatchObject({ kind: 'failed', unknownOutcome: true });
  });

  it('trusts the status of a 5xx whose body is cut short: not placed', async () => {
    const result = await client(`http://127.0.0.1:${await truncatingServer(503)}`, 2000).execute(signal(), CALL);
    expect(result).toEqual({ kind: 'failed', unknownOutcome: false, reason: 'HTTP 503 Service Unavailable' });
  });

  it('never throws: a signal that cannot be serialised or keyed fails before anything is sent', async () => {
    const fake = await bridge();
    const engine = client(fake.url);
    const unserialisable = await engine.execute(signal({ quantity: 10n }), CALL);
    const badKey = await engine.execute(signal({ signal_id: 'line\nbreak' }), CALL);
    expect(unserialisable).toMatchObject({ kind: 'failed', unknownOutcome: false });
    expect(badKey).toMatchObject({ kind: 'failed', unknownOutcome: false });
    expect(fake.requests).toEqual([]);
  });
});

describe('HTTP bridge: settling an unknown outcome with lookup', () => {
  it('finds an order the bridge executed before it stopped answering', async () => {
    const fake = await bridge({ mode: 'hang-after-execute' });
    const engine = client(fake.url);
    const order = signal();
    expect(await engine.execute(order, CALL)).toMatchObject({ kind: 'failed', unknownOutcome: true });
    expect(await engine.lookup(order.signal_id, CALL)).toEqual({ kind: 'executed', report: fake.executed.get(order.signal_id) });
  });

  it('answers not_found on 404, freeing the signal', async () => {
    const fake = await bridge();
    expect(await client(fake.url).lookup('never-sent', CALL)).toEqual({ kind: 'not_found' });
  });

  it('encodes the signal id as one path segment', async () => {
    const fake = await bridge();
    const engine = client(fake.url);
    const order = signal({ signal_id: 'desk/7 #1?x' });
    await engine.execute(order, CALL);
    expect(await engine.lookup(order.signal_id, CALL)).toMatchObject({ kind: 'executed' });
    expect(fake.requests.at(-1)?.path).toBe('/orders/desk%2F7%20%231%3Fx');
  });

  it.each([
    ['fail', 'HTTP 500'],
    ['hang', `no answer within ${TIMEOUT_MS} ms`],
    ['down', 'connection refused'],
  ] as const)('answers unknown when the bridge is in %s mode', async (mode, reason) => {
    const fake = await bridge({ mode });
    expect(await client(fake.url).lookup('sig-x', CALL)).toEqual({ kind: 'unknown', reason: expect.stringContaining(reason) });
  });

  it('refuses to look up ids that a URL would resolve as dot segments', async () => {
    const fake = await bridge();
    expect(await client(fake.url).lookup('..', CALL)).toMatchObject({ kind: 'unknown' });
    expect(fake.requests).toEqual([]);
  });
});

describe('HTTP bridge: health', () => {
  it.each([
    ['ok', true],
    ['reject', true],
    ['fail', false],
    ['hang', false],
    ['down', false],
  ] as const)('in %s mode is %s', async (mode, healthy) => {
    const fake = await bridge({ mode });
    expect(await client(fake.url).health(CALL)).toBe(healthy);
  });

  it.each([204, 503, 301])('is false for %i: only 200 means healthy', async (healthStatus) => {
    const fake = await bridge({ healthStatus });
    expect(await client(fake.url).health(CALL)).toBe(false);
  });

  it('is false for a 200 that comes too late', async () => {
    const fake = await bridge({ mode: 'slow', delayMs: TIMEOUT_MS * 3 });
    expect(await client(fake.url).health(CALL)).toBe(false);
  });

  it('follows the bridge through an outage and back', async () => {
    const fake = await bridge();
    const engine = client(fake.url);
    const seen = [await engine.health(CALL)];
    await fake.setMode('down');
    seen.push(await engine.health(CALL));
    await fake.setMode('ok');
    seen.push(await engine.health(CALL));
    expect(seen).toEqual([true, false, true]);
  });
});

describe('HTTP bridge: URL handling', () => {
  it.each(['', '/'])('joins paths below a base URL with a path (trailing "%s")', async (trailing) => {
    const fake = await bridge({ basePath: '/api/v1' });
    const engine = client(`${fake.url}${trailing}`);
    const order = signal();
    expect((await engine.execute(order, CALL)).kind).toBe('executed');
    expect(await engine.health(CALL)).toBe(true);
    expect(await engine.lookup(order.signal_id, CALL)).toMatchObject({ kind: 'executed' });
    expect(fake.requests.map((request) => `${request.method} ${request.path}`)).toEqual(['POST /orders', 'GET /health', `GET /orders/${order.signal_id}`]);
  });

  it('keeps credentials out of its url and sends them as Basic auth', async () => {
    const fake = await bridge();
    const withCredentials = fake.url.replace('http://', 'http://trader:s%40cret@');
    const engine = client(withCredentials);
    expect(await engine.health(CALL)).toBe(true);
    expect(engine.url).toBe(`${fake.url}/`);
    expect(engine.url).not.toContain('cret');
    expect(fake.requests[0]?.authorization).toBe(`Basic ${Buffer.from('trader:s@cret').toString('base64')}`);
  });
});

describe('createEngine', () => {
  it('binds http URLs to the bridge client', async () => {
    const fake = await bridge();
    const engine = createEngine('quanttrader_pybroker', fake.url, { timeoutMs: TIMEOUT_MS });
    expect(isSimEngine(engine)).toBe(false);
    expect(engine.id).toBe('quanttrader_pybroker');
    expect(await engine.health(CALL)).toBe(true);
    expect(fake.requests).toHaveLength(1);
  });

  it('binds sim URLs to the simulated engine with the faults of the query', () => {
    const engine = createEngine('nautilus_trader', 'sim://?mode=reject', { timeoutMs: TIMEOUT_MS });
    expect(isSimEngine(engine) && engine.faults().mode).toBe('reject');
  });

  it.each([
    ['ftp://engine.example/x', 'ftp:'],
    ['not a url', 'not a valid URL'],
    ['', 'not a valid URL'],
    ['sim://?fail_rate=2', 'fail_rate'],
  ])('refuses %j with an error naming the engine and the URL', (url, problem) => {
    const attempt = (): ExecutionEngine => createEngine('lean_self_hosted', url, { timeoutMs: TIMEOUT_MS });
    expect(attempt).toThrow(/^Engine lean_self_hosted \(/);
    expect(attempt).toThrow(`"${url}"`);
    expect(attempt).toThrow(problem);
  });

  it('masks credentials in its errors', () => {
    const attempt = (): ExecutionEngine => createEngine('lean_self_hosted', 'ftp://trader:hunter2@x@engine.example', { timeoutMs: TIMEOUT_MS });
    expect(attempt).toThrow('ftp://***@engine.example');
    expect(attempt).not.toThrow(/hunter2/);
  });

  it('refuses a timeout that is not a positive number', () => {
    expect(() => createEngine('lean_self_hosted', 'http://127.0.0.1:1', { timeoutMs: 0 })).toThrow('timeout');
    expect(() => createEngine('lean_self_hosted', 'sim://', { timeoutMs: Number.NaN })).toThrow('timeout');
  });
});
