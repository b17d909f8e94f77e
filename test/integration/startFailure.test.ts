/**
 * A leader that cannot start consuming (here: the signal key holds another Redis type) says so,
 * is not ready, and leads once the cause is gone, without a restart.
 */
import { describe, expect, it } from 'vitest';
import { eventually, produce, signalJson } from '../support/service.js';
import { useServiceFixture } from '../support/serviceFixture.js';

describe('a leader term that cannot start', () => {
  const fixture = useServiceFixture('stream');

  it('is not ready, says why, and starts leading once the cause is gone', async () => {
    await fixture.redis.set(fixture.keys.signalQueue, 'not a stream');
    const started = await fixture.start();
    expect((await started.request('/ready')).status).toBe(503);
    expect(started.logs.some((line) => line.msg === 'could not start leading; trying again shortly')).toBe(true);
    expect(started.service.role()).toBe('standby');

    await fixture.redis.del(fixture.keys.signalQueue);
    await produce(fixture.redis, fixture.keys, 'stream', signalJson('after-repair'));
    await eventually('the service to lead', () => started.service.role() === 'leader', 8000);
    await eventually(
      'the signal to execute',
      async () => (await fixture.records()).some((record) => record.signal_id === 'after-repair' && record.outcome === 'executed'),
      5000,
    );
    expect((await started.request('/ready')).status).toBe(200);
  });
});
