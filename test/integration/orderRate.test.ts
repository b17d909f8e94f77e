/**
 * Order-rate limits (`ENGINE_<ID>_MAX_ORDERS_PER_SECOND`, contract section 6) against the real
 * Redis and fake bridges: no second holds more orders to the engine than its limit, waiting keeps
 * each symbol's order, counts in `execution_rate_limited_total` and is no engine failure.
 */
import { describe, expect, it } from 'vitest';
import { eventually, produce, signalJson, type QueueKind } from '../support/service.js';
import { useServiceFixture } from '../support/serviceFixture.js';

const PER_SECOND = 4;
// The bridge stamps an order when its body has arrived, after the service started it; on a busy
// machine one order's stamp can lag by a few hundred ms. Without a limit, five orders take far less.
const STAMP_JITTER_MS = 400;
// A slow answer on a busy machine must not trip the engine: this test is about rates.
const PATIENT = { ENGINE_TIMEOUT_MS: '5000' };

describe.each(['stream', 'list'] as QueueKind[])('order-rate limit (%s)', (kind) => {
  const fixture = useServiceFixture(kind);

  it('starts at most the limit of orders in any second, keeping per-symbol order, with no failure counted', async () => {
    const service = await fixture.start({ ...PATIENT, ENGINE_LEAN_SELF_HOSTED_MAX_ORDERS_PER_SECOND: String(PER_SECOND), EXECUTION_FAILOVER_THRESHOLD: '1' });
    const apple = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6'];
    const microsoft = ['m1', 'm2', 'm3'];
    for (let index = 0; index < apple.length; index += 1) {
      await produce(fixture.redis, fixture.keys, kind, signalJson(apple[index] ?? '', { symbol: 'AAPL' }));
      const other = microsoft[index];
      if (other !== undefined) await produce(fixture.redis, fixture.keys, kind, signalJson(other, { symbol: 'MSFT' }));
    }
    const all = [...apple, ...microsoft];
    await eventually('every outcome', async () => (await fixture.records()).length === all.length, 10_000);

    const records = await fixture.records();
    expect(records.map((record) => [record.signal_id, record.outcome, record.engine]).sort()).toEqual(
      all.map((id) => [id, 'executed', 'lean_self_hosted']).sort(),
    );
    const orders = fixture.bridges.lean_self_hosted.requests.filter((request) => request.method === 'POST' && request.path === '/orders');
    expect(orders).toHaveLength(all.length);
    // Any PER_SECOND + 1 consecutive orders span at least a second.
    for (let first = 0; first + PER_SECOND < orders.length; first += 1) {
      const span = (orders[first + PER_SECOND]?.receivedAt ?? 0) - (orders[first]?.receivedAt ?? 0);
      expect(span).toBeGreaterThanOrEqual(1000 - STAMP_JITTER_MS);
    }
    const placedIds = fixture.bridges.lean_self_hosted.placements.map((placement) => placement.signalId);
    expect(placedIds.filter((id) => id.startsWith('a'))).toEqual(apple);
    expect(placedIds.filter((id) => id.startsWith('m'))).toEqual(microsoft);

    const status = await service.status();
    expect(status).toMatchObject({ active_engine: 'lean_self_hosted', last_transition: null });
    expect(status.failure_counts.lean_self_hosted).toBe(0);
    const metrics = await (await service.request('/metrics')).text();
    const waited = Number(/execution_rate_limited_total\{engine="lean_self_hosted"\} (\d+)/.exec(metrics)?.[1]);
    // The fifth order asked within the first second, so it waited; an order that asks once its
    // window has room (a symbol's next signal, after the previous one's answer) does not.
    expect(waited).toBeGreaterThanOrEqual(1);
    expect(waited).toBeLessThanOrEqual(all.length - PER_SECOND);
    expect(metrics).toContain('execution_rate_limited_total{engine="quanttrader_pybroker"} 0');
  });

  it('leaves an engine without a limit unthrottled', async () => {
    const service = await fixture.start({ ...PATIENT, ENGINE_QUANTTRADER_PYBROKER_MAX_ORDERS_PER_SECOND: '1' });
    const ids = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6'];
    for (const id of ids) await produce(fixture.redis, fixture.keys, kind, signalJson(id, { symbol: 'AAPL' }));
    await eventually('every outcome', async () => (await fixture.records()).length === ids.length, 10_000);
    const metrics = await (await service.request('/metrics')).text();
    expect(metrics).toContain('execution_rate_limited_total{engine="lean_self_hosted"} 0');
  });
});
