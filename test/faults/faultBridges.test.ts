/**
 * The fake bridge behaves like a real one, over real HTTP: placing takes time and only a placed
 * order exists; a repeat while in progress gets 409 (ietf) or is placed again (naive); a fencing
 * bridge refuses an order below the highest epoch it saw on any request; answers come late, never,
 * or as a dropped connection. The counting bridge reports what was placed, by whom.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeBridge, type FakeBridge, type FakeBridgeOptions } from '../support/fakeBridge.js';
import { engineUrlFor, startCountingBridge, type CountingBridge } from '../support/faultBridges.js';
import { pollUntil } from '../support/faultPolling.js';

/** Long enough for a test's requests to reach the bridge while an order is still being placed. */
const PLACE_MS = 500;

const started: FakeBridge[] = [];

afterEach(async () => {
  await Promise.all(started.splice(0).map((bridge) => bridge.close()));
});

async function bridge(options: FakeBridgeOptions = {}): Promise<FakeBridge> {
  const fake = await startFakeBridge(options);
  started.push(fake);
  return fake;
}

async function counting(...args: Parameters<typeof startCountingBridge>): Promise<CountingBridge> {
  const fake = await startCountingBridge(...args);
  started.push(fake.bridge);
  return fake;
}

interface Answer {
  readonly status: number;
  readonly body: unknown;
}

interface CallOptions {
  readonly epoch?: number;
  readonly timeoutMs?: number;
}

/** One request to `base` (which may carry Basic credentials, as {@link engineUrlFor} makes them). */
async function call(base: string, method: 'GET' | 'POST', path: string, signalId: string | null, options: CallOptions = {}): Promise<Answer> {
  const url = new URL(`${base}${path}`);
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (url.username !== '') {
    headers.Authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
  }
  url.username = '';
  url.password = '';
  if (signalId !== null) headers['Idempotency-Key'] = signalId;
  if (options.epoch !== undefined) headers['X-Leader-Epoch'] = String(options.epoch);
  const response = await fetch(url, {
    method,
    headers,
    ...(method === 'POST' ? { body: JSON.stringify({ signal_id: signalId, symbol: 'AAPL' }) } : {}),
    signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? text : JSON.parse(text) };
}

const order = (base: string, signalId: string, options?: CallOptions): Promise<Answer> => call(base, 'POST', '/orders', signalId, options);
const lookup = (base: string, signalId: string, options?: CallOptions): Promise<Answer> =>
  call(base, 'GET', `/orders/${encodeURIComponent(signalId)}`, null, options);
const health = (base: string, options?: CallOptions): Promise<Answer> => call(base, 'GET', '/health', null, options);

/** Waits until the bridge has received `count` requests: the one in flight has arrived. */
async function arrived(fake: FakeBridge, count: number): Promise<void> {
  await pollUntil(`${count} requests at the bridge`, 5000, () => fake.requests.length >= count);
}

/** The error a request ended with (dropped, refused, timed out), or null when it was answered. */
async function failureOf(answer: Promise<Answer>): Promise<string | null> {
  return answer.then(
    () => null,
    (error: unknown) => (error instanceof Error ? `${error.name}: ${String(error.cause ?? error.message)}` : String(error)),
  );
}

describe('fake bridge: placing takes time', () => {
  it('keeps an order in progress for placeMs, then places and answers it; only then it exists', async () => {
    const fake = await bridge({ placeMs: PLACE_MS });
    const pending = order(fake.url, 's1');
    await arrived(fake, 1);
    expect(fake.inProgress()).toEqual(['s1']);
    expect(fake.executed.has('s1')).toBe(false);
    expect(fake.placements).toEqual([]);
    // ietf: a lookup of an order in progress is 409, never a 404 that would free it.
    expect(await lookup(fake.url, 's1')).toEqual({ status: 409, body: { error: 'in_progress' } });
    const answer = await pending;
    expect(answer.status).toBe(200);
    expect(fake.inProgress()).toEqual([]);
    expect(fake.placements).toEqual([expect.objectContaining({ signalId: 's1', requestIndex: 0 })]);
    const [placement] = fake.placements;
    // Timer granularity can fire a millisecond early.
    expect((placement?.placedAt ?? 0) - (fake.requests[0]?.receivedAt ?? 0)).toBeGreaterThanOrEqual(PLACE_MS - 1);
    expect(fake.executed.get('s1')).toEqual(answer.body);
    expect(await lookup(fake.url, 's1')).toEqual({ status: 200, body: answer.body });
  });

  it('naive: answers a lookup 404 while the order is being placed, 200 once placed', async () => {
    const fake = await bridge({ placeMs: PLACE_MS, idempotency: 'naive' });
    const pending = order(fake.url, 's1');
    await arrived(fake, 1);
    expect(await lookup(fake.url, 's1')).toEqual({ status: 404, body: { error: 'no order for s1' } });
    const answer = await pending;
    expect(await lookup(fake.url, 's1')).toEqual({ status: 200, body: answer.body });
  });

  it('ietf: answers a repeat while in progress 409 and places nothing; a repeat after placement gets the first report', async () => {
    const fake = await bridge({ placeMs: PLACE_MS });
    const first = order(fake.url, 's1');
    await arrived(fake, 1);
    expect(await order(fake.url, 's1')).toEqual({ status: 409, body: { error: 'in_progress' } });
    expect(fake.inProgress()).toEqual(['s1']);
    const answer = await first;
    expect(await order(fake.url, 's1')).toEqual(answer);
    expect(fake.placements).toHaveLength(1);
  });

  it('naive: places a repeat that arrives while the first is in progress a second time', async () => {
    const fake = await bridge({ placeMs: PLACE_MS, idempotency: 'naive' });
    const first = order(fake.url, 's1');
    await arrived(fake, 1);
    const second = order(fake.url, 's1');
    await arrived(fake, 2);
    expect(fake.inProgress()).toEqual(['s1', 's1']);
    const [one, two] = await Promise.all([first, second]);
    expect([one.status, two.status]).toEqual([200, 200]);
    expect(one.body).not.toEqual(two.body);
    expect(fake.placements.map((placement) => [placement.signalId, placement.requestIndex])).toEqual([
      ['s1', 0],
      ['s1', 1],
    ]);
    // The first report stays the bridge's answer for the id; a later repeat places nothing.
    expect(fake.executed.get('s1')).toEqual(one.body);
    expect(await order(fake.url, 's1')).toEqual(one);
    expect(fake.placements).toHaveLength(2);
  });

  it('setMode changes placeMs and idempotency for the requests after it', async () => {
    const fake = await bridge();
    expect((await order(fake.url, 's1')).status).toBe(200);
    await fake.setMode('ok', { placeMs: PLACE_MS, idempotency: 'naive' });
    const pending = order(fake.url, 's2');
    await arrived(fake, 2);
    expect(await lookup(fake.url, 's2')).toMatchObject({ status: 404 });
    await pending;
    expect(fake.placements.map((placement) => placement.signalId)).toEqual(['s1', 's2']);
  });
});

describe('fake bridge: fencing', () => {
  it('raises the fence from a health probe and refuses a lower-epoch order with the highest epoch', async () => {
    const fake = await bridge({ fencing: true });
    expect((await health(fake.url, { epoch: 5 })).status).toBe(200);
    expect(await order(fake.url, 's1', { epoch: 4 })).toEqual({ status: 409, body: { error: 'stale_epoch', epoch: 5 } });
    expect(await order(fake.url, 's1')).toEqual({ status: 409, body: { error: 'stale_epoch', epoch: 5 } });
    expect(fake.placements).toEqual([]);
    expect((await order(fake.url, 's1', { epoch: 5 })).status).toBe(200);
    expect(fake.placements).toEqual([expect.objectContaining({ signalId: 's1', epoch: 5 })]);
  });

  it('raises the fence from a lookup, so a new leader settling an order fences out the old one', async () => {
    const fake = await bridge({ fencing: true });
    expect((await order(fake.url, 's1', { epoch: 6 })).status).toBe(200);
    expect((await lookup(fake.url, 's1', { epoch: 7 })).status).toBe(200);
    expect(await order(fake.url, 's2', { epoch: 6 })).toEqual({ status: 409, body: { error: 'stale_epoch', epoch: 7 } });
    expect(fake.highestEpoch()).toBe(7);
    expect(fake.placements.map((placement) => placement.signalId)).toEqual(['s1']);
  });

  it('without fencing, remembers and records epochs but refuses nothing; setMode turns it on', async () => {
    const fake = await bridge();
    expect((await health(fake.url, { epoch: 9 })).status).toBe(200);
    expect((await order(fake.url, 's1', { epoch: 3 })).status).toBe(200);
    expect((await order(fake.url, 's2')).status).toBe(200);
    expect(fake.requests.map((request) => request.epoch)).toEqual([9, 3, null]);
    expect(fake.highestEpoch()).toBe(9);
    await fake.setMode('ok', { fencing: true });
    expect(await order(fake.url, 's3', { epoch: 8 })).toEqual({ status: 409, body: { error: 'stale_epoch', epoch: 9 } });
    expect(fake.placements.map((placement) => placement.signalId)).toEqual(['s1', 's2']);
  });
});

describe('fake bridge: modes', () => {
  it('ok: places at once by default and answers the report; the same key again gets it again', async () => {
    const fake = await bridge();
    const answer = await order(fake.url, 's1');
    expect(answer).toEqual({ status: 200, body: { order_id: 'fake-1', signal_id: 's1', symbol: 'AAPL', status: 'filled' } });
    expect(await order(fake.url, 's1')).toEqual(answer);
    expect(fake.placements).toHaveLength(1);
    expect(await lookup(fake.url, 'other')).toMatchObject({ status: 404 });
  });

  it('fail: 500 on every call, nothing placed', async () => {
    const fake = await bridge({ mode: 'fail' });
    expect((await order(fake.url, 's1')).status).toBe(500);
    expect((await health(fake.url)).status).toBe(500);
    expect((await lookup(fake.url, 's1')).status).toBe(500);
    expect(fake.placements).toEqual([]);
  });

  it('reject: 422 on orders, healthy, nothing placed', async () => {
    const fake = await bridge({ mode: 'reject' });
    expect(await order(fake.url, 's1')).toEqual({ status: 422, body: { error: 'rejected by the fake bridge' } });
    expect((await health(fake.url)).status).toBe(200);
    expect(fake.placements).toEqual([]);
  });

  it('slow: places an order delayMs after it arrived and answers it then; health is late too', async () => {
    const fake = await bridge({ mode: 'slow', delayMs: 150 });
    expect((await order(fake.url, 's1')).status).toBe(200);
    const [placement] = fake.placements;
    // A little under delayMs is still "delayMs later": Node counts a timer from the event loop's
    // cached time, which lags the clock by the synchronous work since the loop last woke.
    expect((placement?.placedAt ?? 0) - (fake.requests[0]?.receivedAt ?? 0)).toBeGreaterThanOrEqual(140);
    const askedAt = Date.now();
    expect((await health(fake.url)).status).toBe(200);
    expect(Date.now() - askedAt).toBeGreaterThanOrEqual(140);
  });

  it('hang: answers nothing and places nothing', async () => {
    const fake = await bridge({ mode: 'hang' });
    expect(await failureOf(order(fake.url, 's1', { timeoutMs: 200 }))).toMatch(/TimeoutError/);
    expect(await failureOf(health(fake.url, { timeoutMs: 200 }))).toMatch(/TimeoutError/);
    expect(fake.placements).toEqual([]);
    expect(fake.inProgress()).toEqual([]);
  });

  it('hang-after-execute: places the order after placeMs and never answers it; lookups and repeats answer', async () => {
    const fake = await bridge({ mode: 'hang-after-execute', placeMs: 100 });
    const pending = failureOf(order(fake.url, 's1', { timeoutMs: 300 }));
    const placement = await fake.whenPlaced('s1');
    expect(placement.placedAt - (fake.requests[0]?.receivedAt ?? 0)).toBeGreaterThanOrEqual(99);
    expect(await pending).toMatch(/TimeoutError/);
    const report = fake.executed.get('s1');
    expect(await lookup(fake.url, 's1')).toEqual({ status: 200, body: report });
    expect(await order(fake.url, 's1')).toEqual({ status: 200, body: report });
    expect((await health(fake.url)).status).toBe(200);
    expect(fake.placements).toHaveLength(1);
  });

  it('drop-after-execute: places the order after placeMs, then drops the connection unanswered', async () => {
    const fake = await bridge({ mode: 'drop-after-execute', placeMs: 100 });
    expect(await failureOf(order(fake.url, 's1'))).toMatch(/TypeError/);
    expect(fake.placements).toEqual([expect.objectContaining({ signalId: 's1' })]);
    expect(await lookup(fake.url, 's1')).toEqual({ status: 200, body: fake.executed.get('s1') });
  });

  it('down: refuses connections and records nothing; back up on the same port', async () => {
    const fake = await bridge({ mode: 'down' });
    expect(await failureOf(order(fake.url, 's1'))).toMatch(/ECONNREFUSED/);
    expect(fake.requests).toEqual([]);
    await fake.setMode('ok');
    expect((await order(fake.url, 's1')).status).toBe(200);
  });

  it('status: answers orders with the status set and places nothing', async () => {
    const fake = await bridge({ mode: 'status', status: 503 });
    expect(await order(fake.url, 's1')).toEqual({ status: 503, body: { error: 'fake bridge answered 503' } });
    await fake.setMode('status', { status: 201, statusBody: { accepted: true } });
    expect(await order(fake.url, 's2')).toEqual({ status: 201, body: { accepted: true } });
    expect((await health(fake.url)).status).toBe(200);
    expect(fake.placements).toEqual([]);
  });

  it('still places an order in progress when it closes or goes down; only the answer is lost', async () => {
    const fake = await bridge({ placeMs: 200 });
    const droppedByDown = failureOf(order(fake.url, 's1'));
    await arrived(fake, 1);
    await fake.setMode('down');
    expect(await droppedByDown).not.toBeNull();
    await fake.whenPlaced('s1');
    await fake.setMode('ok');
    const droppedByClose = failureOf(order(fake.url, 's2'));
    await arrived(fake, 2);
    await fake.close();
    expect(await droppedByClose).not.toBeNull();
    await fake.whenPlaced('s2');
    expect(fake.placements.map((placement) => placement.signalId)).toEqual(['s1', 's2']);
  });
});

describe('startCountingBridge', () => {
  it('counts placements, not POSTs: a repeated key is two POSTs and one placement', async () => {
    const fake = await counting('lean_self_hosted');
    const url = engineUrlFor(fake, 'a');
    expect((await order(url, 's1', { epoch: 2 })).status).toBe(200);
    expect((await order(url, 's1', { epoch: 2 })).status).toBe(200);
    expect(fake.posts().map((post) => [post.signalId, post.sender, post.epoch, post.mode])).toEqual([
      ['s1', 'a', 2, 'ok'],
      ['s1', 'a', 2, 'ok'],
    ]);
    expect(fake.placements()).toEqual([
      { engine: 'lean_self_hosted', signalId: 's1', orderId: 'fake-1', sender: 'a', epoch: 2, position: 0, placedAt: expect.any(Number) },
    ]);
  });

  it('counts a naive double placement twice, each with the sender that caused it', async () => {
    const fake = await counting('quanttrader_pybroker', { placeMs: PLACE_MS, idempotency: 'naive' });
    const first = order(engineUrlFor(fake, 'a'), 's1');
    await arrived(fake.bridge, 1);
    await order(engineUrlFor(fake, 'b'), 's1');
    await first;
    expect(fake.placements().map((placed) => [placed.engine, placed.signalId, placed.sender])).toEqual([
      ['quanttrader_pybroker', 's1', 'a'],
      ['quanttrader_pybroker', 's1', 'b'],
    ]);
  });

  it('tells the modes apart: failing POSTs place nothing, and marks skip earlier requests', async () => {
    const fake = await counting('nautilus_trader', { mode: 'fail' });
    expect((await order(engineUrlFor(fake, 'a'), 's1')).status).toBe(500);
    await fake.setMode('ok');
    const mark = fake.requestCount();
    expect((await order(engineUrlFor(fake, 'b'), 's1')).status).toBe(200);
    expect(fake.posts().map((post) => [post.mode, post.sender])).toEqual([
      ['fail', 'a'],
      ['ok', 'b'],
    ]);
    expect(fake.posts(mark).map((post) => post.sender)).toEqual(['b']);
    expect(fake.placements().map((placed) => placed.sender)).toEqual(['b']);
    expect(fake.placements(mark + 1)).toEqual([]);
  });
});
