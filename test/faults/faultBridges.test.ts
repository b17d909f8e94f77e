/**
 * The counting bridge sees what the fake bridge hides: a repeated Idempotency-Key is a second
 * execution, a POST in a failing mode is none, and each POST names the instance that sent it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { engineUrlFor, startCountingBridge, type CountingBridge } from '../helpers/faultBridges.js';

const started: CountingBridge[] = [];

afterEach(async () => {
  await Promise.all(started.splice(0).map((bridge) => bridge.bridge.close()));
});

async function order(baseUrl: string, signalId: string): Promise<number> {
  const url = new URL(`${baseUrl}/orders`);
  const authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
  url.username = '';
  url.password = '';
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Idempotency-Key': signalId, Authorization: authorization },
    body: JSON.stringify({ signal_id: signalId, symbol: 'AAPL' }),
  });
  await response.body?.cancel();
  return response.status;
}

describe('startCountingBridge', () => {
  it('counts a repeated Idempotency-Key as a second execution, which the fake bridge itself records once', async () => {
    const bridge = await startCountingBridge('lean_self_hosted');
    started.push(bridge);
    const url = engineUrlFor(bridge, 'a');
    expect(await order(url, 's1')).toBe(200);
    expect(await order(url, 's1')).toBe(200);
    expect(bridge.bridge.executed.size).toBe(1);
    expect(bridge.posts().map((post) => [post.signalId, post.executed, post.sender])).toEqual([
      ['s1', true, 'a'],
      ['s1', true, 'a'],
    ]);
  });

  it('tells the modes apart: failing POSTs execute nothing, and the mode applies from the switch on', async () => {
    const bridge = await startCountingBridge('quanttrader_pybroker', { mode: 'fail' });
    started.push(bridge);
    expect(await order(engineUrlFor(bridge, 'a'), 's1')).toBe(500);
    await bridge.setMode('ok');
    const mark = bridge.requestCount();
    expect(await order(engineUrlFor(bridge, 'b'), 's1')).toBe(200);
    expect(bridge.posts().map((post) => [post.mode, post.executed, post.sender])).toEqual([
      ['fail', false, 'a'],
      ['ok', true, 'b'],
    ]);
    expect(bridge.posts(mark).map((post) => post.sender)).toEqual(['b']);
  });
});
