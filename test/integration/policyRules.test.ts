/**
 * The window rules and maintenance in the running service, against the shared test Redis and real
 * HTTP fake bridges: a primary answering slowly trips by `slow_calls` while its orders still
 * execute, and maintenance put over HTTP moves execution, is audited and persisted.
 */
import { describe, expect, it } from 'vitest';
import { eventually, produce, signalJson, streamRecords } from '../support/service.js';
import { useServiceFixture } from '../support/serviceFixture.js';

describe('window rules and maintenance in the running service', () => {
  const fixture = useServiceFixture('stream');

  async function outcomeOf(raw: string): Promise<Record<string, string>> {
    return eventually(`an outcome for ${raw}`, async () => (await fixture.records()).find((record) => record.signal === raw), 8000);
  }

  it('trips a slow primary by slow_calls; its slow answers still execute', async () => {
    await fixture.bridges.lean_self_hosted.setMode('slow', { delayMs: 150 });
    const service = await fixture.start({
      EXECUTION_SLOW_CALL_MS: '60',
      EXECUTION_FAILURE_RATE_MIN_CALLS: '2',
      EXECUTION_SLOW_CALL_RATE_THRESHOLD: '100',
      EXECUTION_FAILOVER_TIMEOUT: '60',
      // Two healthy probes make a tripped engine available again (not active): none may come
      // between the trip and the status this test reads.
      EXECUTION_HEALTH_CHECK_INTERVAL: '30',
    });
    const first = signalJson('slow-1', { symbol: 'AAPL' });
    const second = signalJson('slow-2', { symbol: 'MSFT' });
    await produce(fixture.redis, fixture.keys, 'stream', first);
    expect(await outcomeOf(first)).toMatchObject({ outcome: 'executed', engine: 'lean_self_hosted' });
    expect((await service.status()).state).toBe('primaryActive');
    await produce(fixture.redis, fixture.keys, 'stream', second);
    expect(await outcomeOf(second)).toMatchObject({ outcome: 'executed', engine: 'lean_self_hosted' });
    const status = await eventually(
      'the slow_calls trip',
      async () => {
        const now = await service.status();
        return now.state === 'backup1Active' ? now : undefined;
      },
      15_000,
    );
    expect(status).toMatchObject({
      active_engine: 'quanttrader_pybroker',
      failure_counts: { lean_self_hosted: 0 },
      engines_available: { lean_self_hosted: false },
      last_transition: { from: 'primaryActive', to: 'backup1Active', reason: 'slow_calls' },
    });
    const third = signalJson('slow-3', { symbol: 'AAPL' });
    await produce(fixture.redis, fixture.keys, 'stream', third);
    expect(await outcomeOf(third)).toMatchObject({ outcome: 'executed', engine: 'quanttrader_pybroker' });
  });

  it('puts an engine into maintenance over HTTP: execution moves, the write is audited, the state persisted', async () => {
    const audit = `${fixture.keys.prefix}audit`;
    const service = await fixture.start({ AUDIT_STREAM: audit });
    const until = new Date(Date.now() + 3_600_000).toISOString();
    const answer = await service.request('/admin/engines/lean_self_hosted/maintenance', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'nightly gateway restart', until }),
    });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({
      state: 'backup1Active',
      engines_maintenance: { lean_self_hosted: { reason: 'nightly gateway restart', until } },
      last_transition: { reason: 'maintenance' },
    });
    const raw = signalJson('maint-1');
    await produce(fixture.redis, fixture.keys, 'stream', raw);
    expect(await outcomeOf(raw)).toMatchObject({ outcome: 'executed', engine: 'quanttrader_pybroker' });

    const refused = await service.request('/admin/execution/switch', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ engine: 'lean_self_hosted' }),
    });
    expect(refused.status).toBe(409);

    const entries = await eventually('the audit entries', async () => {
      const found = await streamRecords(fixture.redis, audit);
      return found.length >= 2 ? found : undefined;
    });
    expect(entries[0]).toMatchObject({ action: 'maintenance', result: 'ok' });
    expect(JSON.parse(entries[0]?.params ?? '{}')).toMatchObject({ engine: 'lean_self_hosted', reason: 'nightly gateway restart', until });
    const stored = await eventually('the persisted maintenance', async () => {
      const text = await fixture.redis.get(fixture.keys.stateKey);
      const parsed = text === null ? null : (JSON.parse(text) as { version: number; context: { maintenance: Record<string, unknown> } });
      return parsed?.context.maintenance.lean_self_hosted ? parsed : undefined;
    });
    expect(stored.version).toBe(2);
    expect(stored.context.maintenance.lean_self_hosted).toEqual({ reason: 'nightly gateway restart', until: Date.parse(until) });
  });
});
