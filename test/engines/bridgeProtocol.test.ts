/**
 * The HTTP bridge adapter's side of fencing and of requests in progress (contract sections 4 and
 * 7), against a real server: `X-Leader-Epoch` on every request, and what a 409 means on an order,
 * a lookup and a health probe.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpBridge } from '../../src/engines/httpBridge.js';
import type { ExecutionEngine } from '../../src/engines/types.js';
import type { Signal } from '../../src/signals/signal.js';
import { reply, startScriptedBridge, type Answerer, type ScriptedBridge } from './scriptedBridge.js';

const TIMEOUT_MS = 2000;

const servers: ScriptedBridge[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function server(answerer?: Answerer): Promise<ScriptedBridge> {
  const started = await startScriptedBridge(answerer);
  servers.push(started);
  return started;
}

function client(url: string): ExecutionEngine {
  return createHttpBridge({ id: 'nautilus_trader', url, timeoutMs: TIMEOUT_MS });
}

let signalCount = 0;
function signal(): Signal {
  signalCount += 1;
  return { signal_id: `epoch-sig-${signalCount}`, symbol: 'AAPL', action: 'BUY', quantity: 1, order_type: 'MARKET' };
}

describe('HTTP bridge: X-Leader-Epoch', () => {
  it('sends the caller’s epoch, as a decimal integer, on orders, health probes and lookups', async () => {
    const bridge = await server(reply(200, { status: 'filled' }));
    const engine = client(bridge.url);
    await engine.execute(signal(), { epoch: 12 });
    await engine.health({ epoch: 0 });
    await engine.lookup('sig-1', { epoch: 9_007_199_254_740_991 });
    expect(bridge.requests.map((request) => [request.method, request.path, request.headers['x-leader-epoch']])).toEqual([
      ['POST', '/orders', '12'],
      ['GET', '/health', '0'],
      ['GET', '/orders/sig-1', '9007199254740991'],
    ]);
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53])('sends nothing with an epoch of %s, which a bridge could misread', async (epoch) => {
    const bridge = await server();
    const engine = client(bridge.url);
    expect(await engine.execute(signal(), { epoch })).toEqual({
      kind: 'failed',
      unknownOutcome: false,
      reason: expect.stringContaining('leader epoch'),
    });
    expect(await engine.health({ epoch })).toBe(false);
    expect(await engine.lookup('sig-1', { epoch })).toEqual({ kind: 'unknown', reason: expect.stringContaining('leader epoch') });
    expect(bridge.requests).toEqual([]);
  });
});

describe('HTTP bridge: 409 on an order', () => {
  it('is fenced, with the bridge’s epoch, on 409 stale_epoch', async () => {
    const bridge = await server(reply(409, { error: 'stale_epoch', epoch: 12 }));
    expect(await client(bridge.url).execute(signal(), { epoch: 7 })).toEqual({
      kind: 'fenced',
      epoch: 12,
      reason: 'fenced: the bridge has seen leader epoch 12 (ours is 7)',
    });
  });

  it('takes epoch 0 as the bridge said it', async () => {
    const bridge = await server(reply(409, { error: 'stale_epoch', epoch: 0 }));
    expect(await client(bridge.url).execute(signal(), { epoch: 0 })).toMatchObject({ kind: 'fenced', epoch: 0 });
  });

  it.each([
    ['no epoch', { error: 'stale_epoch' }],
    ['a null epoch', { error: 'stale_epoch', epoch: null }],
    ['an epoch as text', { error: 'stale_epoch', epoch: '12' }],
    ['a negative epoch', { error: 'stale_epoch', epoch: -3 }],
    ['a fractional epoch', { error: 'stale_epoch', epoch: 12.5 }],
    ['an epoch beyond the safe integers', { error: 'stale_epoch', epoch: 2 ** 53 }],
  ])('is fenced one above our epoch on 409 stale_epoch with %s', async (_name, body) => {
    const bridge = await server(reply(409, body));
    expect(await client(bridge.url).execute(signal(), { epoch: 7 })).toEqual({
      kind: 'fenced',
      epoch: 8,
      reason: 'fenced: the bridge has seen a newer leader epoch than ours (7) and did not say which',
    });
  });

  it.each([
    ['the engine’s words', { error: 'a request with this key is being placed' }, 'HTTP 409: in progress (a request with this key is being placed)'],
    ['no body', '', 'HTTP 409: in progress'],
    ['stale_epoch as plain text, not JSON', 'stale_epoch', 'HTTP 409: in progress'],
    ['another error code', { error: 'STALE_EPOCH', epoch: 12 }, 'HTTP 409: in progress (STALE_EPOCH)'],
  ])('is in progress on any other 409: %s', async (_name, body, reason) => {
    const bridge = await server(reply(409, body));
    expect(await client(bridge.url).execute(signal(), { epoch: 7 })).toEqual({ kind: 'in_progress', reason });
  });
});

describe('HTTP bridge: lookup answers', () => {
  it('is executed on 200, with the report', async () => {
    const bridge = await server(reply(200, { order_id: 'o-7', status: 'filled' }));
    expect(await client(bridge.url).lookup('sig-1', { epoch: 4 })).toEqual({
      kind: 'executed',
      report: { order_id: 'o-7', status: 'filled' },
    });
  });

  it('is not_found on 404', async () => {
    const bridge = await server(reply(404, { error: 'no such order' }));
    expect(await client(bridge.url).lookup('sig-1', { epoch: 4 })).toEqual({ kind: 'not_found' });
  });

  it('is fenced on 409 stale_epoch, with the bridge’s epoch or one above ours', async () => {
    const bridge = await server(reply(409, { error: 'stale_epoch', epoch: 30 }));
    const engine = client(bridge.url);
    expect(await engine.lookup('sig-1', { epoch: 4 })).toEqual({ kind: 'fenced', epoch: 30 });
    bridge.answerWith(reply(409, { error: 'stale_epoch', epoch: 'thirty' }));
    expect(await engine.lookup('sig-1', { epoch: 4 })).toEqual({ kind: 'fenced', epoch: 5 });
  });

  it.each([
    ['the engine’s words', { error: 'in progress' }],
    ['no body', ''],
  ])('is in progress on any other 409: %s', async (_name, body) => {
    const bridge = await server(reply(409, body));
    expect(await client(bridge.url).lookup('sig-1', { epoch: 4 })).toEqual({ kind: 'in_progress' });
  });

  it.each([
    [202, 'HTTP 202 Accepted'],
    [301, 'HTTP 301 Moved Permanently'],
    [410, 'HTTP 410 Gone'],
    [429, 'HTTP 429 Too Many Requests'],
    [503, 'HTTP 503 Service Unavailable'],
  ])('is unknown on %i, saying the status', async (status, reason) => {
    const bridge = await server(reply(status, { error: 'whatever' }));
    expect(await client(bridge.url).lookup('sig-1', { epoch: 4 })).toEqual({ kind: 'unknown', reason });
  });
});

describe('HTTP bridge: health on 409', () => {
  it('is unhealthy on 409 stale_epoch: only 200 is healthy', async () => {
    const bridge = await server(reply(409, { error: 'stale_epoch', epoch: 30 }));
    expect(await client(bridge.url).health({ epoch: 4 })).toBe(false);
  });
});
