/**
 * Position affinity (contract section 13) against the real Redis and fake bridges: after a
 * failover, an exit goes to the engine that holds the position; it waits for that engine and is
 * dead-lettered when it stays away; the ledger is recorded with the outcome and survives a restart.
 */
import { describe, expect, it } from 'vitest';
import { eventually, produce, signalJson, type QueueKind } from '../support/service.js';
import { useServiceFixture } from '../support/serviceFixture.js';

const AFFINITY = { EXECUTION_POSITION_AFFINITY: 'true', EXECUTION_FAILOVER_THRESHOLD: '1' };

const order = (id: string, action: string, quantity = 30) => signalJson(id, { symbol: 'AAPL', action, quantity, strategy_id: 'momentum' });

describe.each(['stream', 'list'] as QueueKind[])('position affinity (%s)', (kind) => {
  const fixture = useServiceFixture(kind);
  const send = (raw: string) => produce(fixture.redis, fixture.keys, kind, raw);
  const outcome = async (id: string) => (await fixture.records()).find((record) => record.signal_id === id);
  const switchTo = (service: Awaited<ReturnType<typeof fixture.start>>, engine: string) =>
    service.request('/admin/execution/switch', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ engine }) });

  it('sends the exit of a position opened on backup 1 to backup 1 after the primary is back', async () => {
    const service = await fixture.start(AFFINITY);
    await switchTo(service, 'quanttrader_pybroker');
    await send(order('open', 'BUY'));
    await eventually('the buy', () => outcome('open'));
    expect(await outcome('open')).toMatchObject({ outcome: 'executed', engine: 'quanttrader_pybroker' });
    const positions = await (await service.request('/admin/positions')).json();
    expect(positions).toEqual({
      positions: [{ strategy_id: 'momentum', symbol: 'AAPL', by_engine: { lean_self_hosted: 0, quanttrader_pybroker: 30, nautilus_trader: 0 } }],
    });
    // The primary is back; a new buy goes there, the sell closes the position where it is.
    await switchTo(service, 'lean_self_hosted');
    await send(order('close', 'SELL'));
    await send(order('fresh', 'BUY_TO_OPEN', 5));
    await eventually('the sell and the new buy', async () => (await outcome('close')) !== undefined && (await outcome('fresh')) !== undefined);
    expect(await outcome('close')).toMatchObject({ outcome: 'executed', engine: 'quanttrader_pybroker' });
    expect(await outcome('fresh')).toMatchObject({ outcome: 'executed', engine: 'lean_self_hosted' });
    expect(fixture.bridges.lean_self_hosted.placements.map((placement) => placement.signalId)).toEqual(['fresh']);
    expect(await (await service.request('/admin/positions')).json()).toEqual({
      positions: [{ strategy_id: 'momentum', symbol: 'AAPL', by_engine: { lean_self_hosted: 5, quanttrader_pybroker: 0, nautilus_trader: 0 } }],
    });
    const metrics = await (await service.request('/metrics')).text();
    expect(metrics).toContain('execution_positions{engine="lean_self_hosted"} 1');
    expect(metrics).toContain('execution_positions{engine="quanttrader_pybroker"} 0');
  });

  it('holds an exit while its engine is away, then dead-letters it as position_engine_unavailable, sending it nowhere', async () => {
    const service = await fixture.start({ ...AFFINITY, EXECUTION_POSITION_WAIT: '1.5' });
    await switchTo(service, 'quanttrader_pybroker');
    await send(order('open', 'BUY'));
    await eventually('the buy', () => outcome('open'));
    await switchTo(service, 'lean_self_hosted');
    // Backup 1 goes down: its probes fail, so it is unavailable.
    await fixture.bridges.quanttrader_pybroker.setMode('down');
    await eventually('backup 1 to be unavailable', async () => (await service.status()).engines_available.quanttrader_pybroker === false, 5000);
    await send(order('close', 'SELL'));
    const closed = await eventually('the exit to give up', () => outcome('close'), 8000);
    expect(closed).toMatchObject({ outcome: 'position_engine_unavailable' });
    expect(closed.reason).toMatch(/EXECUTION_POSITION_WAIT/);
    expect(fixture.bridges.lean_self_hosted.placements).toEqual([]);
    expect(fixture.bridges.nautilus_trader.placements).toEqual([]);
    await eventually('the alert', () => service.logs.some((line) => String(line.msg).startsWith('ALERT position_engine_unavailable')), 3000);
  });

  it('sends a *_TO_CLOSE without a position to the active engine', async () => {
    const service = await fixture.start(AFFINITY);
    await send(order('orphan-close', 'SELL_TO_CLOSE', 3));
    expect(await eventually('the close', () => outcome('orphan-close'))).toMatchObject({ outcome: 'executed', engine: 'lean_self_hosted' });
    expect((await (await service.request('/admin/positions')).json()) as unknown).toEqual({
      positions: [{ strategy_id: 'momentum', symbol: 'AAPL', by_engine: { lean_self_hosted: -3, quanttrader_pybroker: 0, nautilus_trader: 0 } }],
    });
  });

  it('keeps the ledger across a restart, counting nothing twice', async () => {
    const first = await fixture.start(AFFINITY);
    await switchTo(first, 'nautilus_trader');
    await send(order('a', 'BUY', 10));
    await send(order('b', 'BUY', 5));
    await eventually('both buys', async () => (await outcome('a')) !== undefined && (await outcome('b')) !== undefined);
    await first.stop();
    const second = await fixture.start(AFFINITY);
    await send(order('a', 'BUY', 10));
    await eventually('the copy as duplicate', async () => (await fixture.records()).filter((record) => record.signal_id === 'a').length === 2);
    await send(order('c', 'SELL', 15));
    expect(await eventually('the exit', () => outcome('c'))).toMatchObject({ outcome: 'executed', engine: 'nautilus_trader' });
    expect(await (await second.request('/admin/positions')).json()).toEqual({ positions: [] });
  });
});
