/**
 * The attempt record's send time is what a lookup's 404 is measured from (contract section 3): it
 * must be the time of the send, not of the read, even when the signal waited for a slot.
 */
import { describe, expect, it } from 'vitest';
import { attemptKey } from '../../src/signals/keys.js';
import { eventually, produce, signalJson } from '../support/service.js';
import { useServiceFixture } from '../support/serviceFixture.js';

const fixture = useServiceFixture('stream');

describe('the attempt record', () => {
  it('is written again when the signal waited for a slot, so its send time is the send', async () => {
    const primary = fixture.bridges.lean_self_hosted;
    // One slot, held 600 ms by the first signal; the second is recorded with it, then waits.
    await primary.setMode('slow', { delayMs: 600 });
    await fixture.start({ EXECUTION_CONCURRENCY: '1', ENGINE_TIMEOUT_MS: '3000' });
    await produce(fixture.redis, fixture.keys, 'stream', signalJson('first', { symbol: 'AAPL' }));
    await produce(fixture.redis, fixture.keys, 'stream', signalJson('second', { symbol: 'MSFT' }));
    const second = await eventually(
      'the second order to reach the bridge',
      () => primary.requests.find((request) => request.method === 'POST' && request.idempotencyKey === 'second'),
      5000,
    );
    const firstArrived = primary.requests.find((request) => request.method === 'POST' && request.idempotencyKey === 'first')?.receivedAt ?? 0;
    const record = await fixture.redis.hgetall(attemptKey(fixture.keys.signalQueue, 'second'));
    const sentAt = Number(record.sent_at);
    // Recorded after the first order had its slot for a while, close to its own send.
    expect(second.receivedAt - firstArrived).toBeGreaterThanOrEqual(500);
    expect(sentAt).toBeGreaterThan(firstArrived + 300);
    expect(sentAt).toBeLessThanOrEqual(second.receivedAt + 50);
  });
});
