/**
 * Unknown outcomes (contract section 3): an engine that took a signal and gave no answer settles it
 * (GET /orders/{id}) before the signal may go anywhere else; unsettled after IN_DOUBT_TIMEOUT it is
 * dead-lettered as in_doubt with an alert; meanwhile the signals behind it go on.
 */
import { describe, expect, it } from 'vitest';
import type { FakeBridge } from '../support/fakeBridge.js';
import { eventually, produce, signalJson } from '../support/service.js';
import { useServiceFixture } from '../support/serviceFixture.js';

const fixture = useServiceFixture('stream');
const start = (env: Record<string, string>) => fixture.start(env);
const send = (raw: string) => produce(fixture.redis, fixture.keys, 'stream', raw);
const posts = (bridge: FakeBridge): number => bridge.requests.filter((request) => request.method === 'POST').length;
const outcomeOf = async (signalId: string) => (await fixture.records()).find((record) => record.signal_id === signalId);

describe('a signal whose outcome is unknown', () => {
  it('is recorded executed on the engine that took it, once it says so, and is sent nowhere else', async () => {
    await fixture.bridges.lean_self_hosted.setMode('hang-after-execute');
    // Threshold 1: the unknown outcome trips the primary, so a careless retry would go to backup 1.
    await start({ EXECUTION_FAILOVER_THRESHOLD: '1' });
    await send(signalJson('in-flight-1'));
    const outcome = await eventually('the outcome', () => outcomeOf('in-flight-1'), 8000);
    expect(outcome).toMatchObject({ outcome: 'executed', engine: 'lean_self_hosted', attempts: '1' });
    expect(JSON.parse(outcome.report ?? 'null')).toEqual(fixture.bridges.lean_self_hosted.executed.get('in-flight-1'));
    expect(posts(fixture.bridges.quanttrader_pybroker) + posts(fixture.bridges.nautilus_trader)).toBe(0);
    expect(fixture.bridges.lean_self_hosted.requests.some((request) => request.path === '/orders/in-flight-1')).toBe(true);
  });

  it('is retried elsewhere once the engine that took it says it never executed it', async () => {
    await fixture.bridges.lean_self_hosted.setMode('hang');
    await start({ EXECUTION_FAILOVER_THRESHOLD: '1' });
    await send(signalJson('never-placed'));
    // The hung primary answers no lookup either; once it is back it says 404, freeing the signal.
    await eventually('the first attempt to reach the primary', () => posts(fixture.bridges.lean_self_hosted) === 1);
    await fixture.bridges.lean_self_hosted.setMode('ok');
    const outcome = await eventually('the outcome', () => outcomeOf('never-placed'), 15_000);
    expect(outcome).toMatchObject({ outcome: 'executed', engine: 'quanttrader_pybroker', attempts: '2' });
    expect(fixture.bridges.lean_self_hosted.executed.has('never-placed')).toBe(false);
    expect(fixture.bridges.quanttrader_pybroker.executed.has('never-placed')).toBe(true);
  });

  it('goes to the dead-letter as in_doubt with an alert when it stays unknown, without holding up the next signal', async () => {
    await fixture.bridges.lean_self_hosted.setMode('hang');
    const service = await start({ EXECUTION_FAILOVER_THRESHOLD: '1', IN_DOUBT_TIMEOUT: '1' });
    await send(signalJson('stuck', { symbol: 'MSFT' }));
    await eventually('the first attempt', () => posts(fixture.bridges.lean_self_hosted) === 1);
    // The same symbol right behind it: it must not wait for the stuck one to settle.
    await send(signalJson('behind', { symbol: 'MSFT' }));
    const behind = await eventually('the signal behind it', () => outcomeOf('behind'), 5000);
    expect(behind).toMatchObject({ outcome: 'executed', engine: 'quanttrader_pybroker' });
    expect(await outcomeOf('stuck')).toBeUndefined();
    const stuck = await eventually('the in-doubt outcome', () => outcomeOf('stuck'), 8000);
    expect(stuck).toMatchObject({ outcome: 'in_doubt', engine: 'lean_self_hosted', attempts: '1' });
    expect(stuck.reason).toMatch(/reconcile/);
    // The alert follows the outcome it reports.
    await eventually('the in_doubt alert', () => service.logs.some((line) => String(line.msg).startsWith('ALERT in_doubt')), 3000);
    expect(fixture.bridges.quanttrader_pybroker.executed.has('stuck')).toBe(false);
  });

  it('answered 409 (a request with its key still in progress) is settled by lookup, never rejected, and counts no failure', async () => {
    const primary = fixture.bridges.lean_self_hosted;
    // An IETF Idempotency-Key bridge still placing an earlier request with this key.
    await primary.setMode('status', { status: 409, statusBody: { error: 'in_progress' } });
    const service = await start({ EXECUTION_FAILOVER_THRESHOLD: '1', ENGINE_TIMEOUT_MS: '1000' });
    await send(signalJson('placing'));
    await eventually('the 409', () => posts(primary) === 1);
    // The earlier request's order is placed; the bridge knows it from now on.
    await primary.setMode('ok');
    const placed = await fetch(`${primary.url}/orders`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Idempotency-Key': 'placing' },
      body: signalJson('placing'),
    });
    expect(placed.status).toBe(200);
    const outcome = await eventually('the outcome', () => outcomeOf('placing'), 8000);
    expect(outcome).toMatchObject({ outcome: 'executed', engine: 'lean_self_hosted' });
    expect(posts(primary)).toBe(2);
    expect(primary.placements).toHaveLength(1);
    const status = await service.status();
    expect(status.state).toBe('primaryActive');
    expect(status.failure_counts.lean_self_hosted).toBe(0);
    expect((await fixture.records()).filter((record) => record.outcome === 'rejected')).toEqual([]);
  });

  it('answered 409 stale_epoch is fenced: nothing recorded, nothing sent elsewhere, and the term ends', async () => {
    const primary = fixture.bridges.lean_self_hosted;
    await primary.setMode('status', { status: 409, statusBody: { error: 'stale_epoch', epoch: 40 } });
    const service = await start({ EXECUTION_FAILOVER_THRESHOLD: '1' });
    const firstEpoch = (await service.status()).leader_epoch;
    await send(signalJson('fenced'));
    await eventually('the fenced POST', () => posts(primary) >= 1);
    // The next term begins above the epoch the bridge has seen, and the signal is executed then.
    await primary.setMode('ok');
    const outcome = await eventually('the outcome in the next term', () => outcomeOf('fenced'), 8000);
    expect(outcome).toMatchObject({ outcome: 'executed', engine: 'lean_self_hosted' });
    const status = await service.status();
    expect(firstEpoch).toBeLessThan(40);
    expect(status.leader_epoch).toBeGreaterThan(40);
    expect(status.failure_counts.lean_self_hosted).toBe(0);
    expect(posts(fixture.bridges.quanttrader_pybroker) + posts(fixture.bridges.nautilus_trader)).toBe(0);
    expect((await fixture.records()).filter((record) => record.signal_id === 'fenced')).toHaveLength(1);
    expect(primary.requests.filter((request) => request.method === 'POST').map((request) => request.epoch)).toEqual([firstEpoch, status.leader_epoch]);
  });
});
