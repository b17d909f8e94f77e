/**
 * The HTTP bridge adapter's side of fencing (contract sections 4 and 7), against a real server:
 * `X-Leader-Epoch` on every request.
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

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53])(
    'sends nothing with an epoch of %s, which a bridge could misread',
    async (epoch) => {
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
    },
  );
});
