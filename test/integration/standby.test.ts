/**
 * Two instances on one Redis (contract section 7): one leads, the other answers the status as a
 * standby from the persisted state, refuses commands, and takes over when the leader goes.
 */
import { describe, expect, it } from 'vitest';
import { useServiceFixture } from '../support/serviceFixture.js';
import { eventually, postJson, produce, signalJson, streamRecords } from '../support/service.js';

describe.each(['stream', 'list'] as const)('leader and standby with a %s queue', (kind) => {
  const fixture = useServiceFixture(kind);
  // Two seconds: a term a busy machine stalls for a few hundred ms must not end on its own.
  const start = (consumerName: string) => fixture.start({ LEADER_LEASE_SECONDS: '2' }, consumerName);
  const executedIds = async (): Promise<string[]> =>
    (await streamRecords(fixture.redis, fixture.keys.executionEvents))
      .filter((record) => record.outcome === 'executed')
      .map((record) => record.signal_id ?? '');

  it('serves the status as a standby, refuses commands, and takes over when the leader stops', async () => {
    const leader = await start('instance-a');
    const standby = await start('instance-b');
    expect(leader.service.role()).toBe('leader');
    expect(standby.service.role()).toBe('standby');

    // The leader pauses; the standby reports the persisted state, as a standby.
    await leader.request('/admin/execution/pause', postJson({ reason: 'drill' }));
    await eventually('the standby to see the pause', async () => (await standby.status()).paused);
    expect(await standby.status()).toMatchObject({ role: 'standby', state: 'paused', paused_reason: 'drill', active_engine: null });
    expect((await leader.status()).role).toBe('leader');
    const refused = await standby.request('/admin/execution/resume', postJson());
    expect(refused.status).toBe(503);
    expect(await refused.json()).toEqual({ error: expect.stringMatching(/standby/) });
    expect((await standby.request('/ready')).status).toBe(503);

    // Signals wait while paused; the leader leaves; the standby takes over, still paused, and
    // executes them after an operator resume on it.
    await produce(fixture.redis, fixture.keys, kind, signalJson('takeover-1'));
    await leader.stop();
    await eventually('the standby to take the lease', () => standby.service.role() === 'leader', 8000);
    expect(await standby.status()).toMatchObject({ role: 'leader', state: 'paused', paused_reason: 'drill' });
    expect(await executedIds()).toEqual([]);
    expect((await standby.request('/admin/execution/resume', postJson())).status).toBe(200);
    await eventually('the signal to execute on the new leader', async () => (await executedIds()).length === 1, 5000);
    expect(await executedIds()).toEqual(['takeover-1']);
    expect(fixture.bridges.lean_self_hosted.executed.size).toBe(1);
  });
});
