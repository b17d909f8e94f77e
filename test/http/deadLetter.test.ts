/**
 * The dead-letter API (contract section 5) against the real Redis and a running service: paging
 * and filtering, and each result of a replay, the replayed signal then executed exactly once.
 */
import { describe, expect, it } from 'vitest';
import { dedupKey } from '../../src/signals/keys.js';
import { eventually, signalJson } from '../support/service.js';
import { useServiceFixture } from '../support/serviceFixture.js';

const fixture = useServiceFixture('stream');

async function deadLetter(redis: typeof fixture.redis, fields: Record<string, string>): Promise<string> {
  const id = await redis.xadd(
    fixture.keys.deadLetterQueue,
    '*',
    ...Object.entries({ attempts: '1', engine: '', reason: 'test', at: '2026-12-01T00:00:00.000Z', ...fields }).flat(),
  );
  if (id === null) throw new Error('XADD answered no id');
  return id;
}

const json = async (response: Response): Promise<Record<string, unknown>> => (await response.json()) as Record<string, unknown>;

describe('GET /admin/dead-letter', () => {
  it('pages through the entries oldest first, filtered by outcome, and says where the next page starts', async () => {
    const service = await fixture.start();
    const ids: string[] = [];
    for (let index = 0; index < 5; index++)
      ids.push(await deadLetter(fixture.redis, { signal_id: `s${index}`, outcome: index % 2 === 0 ? 'rejected' : 'expired', signal: signalJson(`s${index}`) }));
    const first = await json(await service.request('/admin/dead-letter?count=2'));
    expect((first.entries as { id: string }[]).map((entry) => entry.id)).toEqual(ids.slice(0, 2));
    expect(first.next).toBe(ids[1]);
    expect(first.entries).toEqual([
      expect.objectContaining({ id: ids[0], signal_id: 's0', outcome: 'rejected', attempts: 1, signal: signalJson('s0') }),
      expect.anything(),
    ]);
    const rest = await json(await service.request(`/admin/dead-letter?count=10&after=${String(first.next)}`));
    expect((rest.entries as { id: string }[]).map((entry) => entry.id)).toEqual(ids.slice(2));
    expect(rest.next).toBeNull();
    const rejected = await json(await service.request('/admin/dead-letter?outcome=rejected'));
    expect((rejected.entries as { signal_id: string }[]).map((entry) => entry.signal_id)).toEqual(['s0', 's2', 's4']);
  });

  it.each([
    ['outcome=lost', /unknown outcome "lost"/],
    ['count=0', /count: a whole number from 1 to 1000/],
    ['count=1001', /count/],
    ['count=abc', /count/],
    ['after=yesterday', /after: a dead-letter entry id/],
  ])('refuses %s with a 400 that says what is wrong', async (query, message) => {
    const service = await fixture.start();
    const response = await service.request(`/admin/dead-letter?${query}`);
    expect(response.status).toBe(400);
    expect(String((await json(response)).error)).toMatch(message);
  });
});

describe('POST /admin/dead-letter/replay', () => {
  it('puts a signal back as it was received, with replay_of, and it executes once; refuses what must not go again', async () => {
    const service = await fixture.start();
    const rejected = await deadLetter(fixture.redis, { signal_id: 'fixed', outcome: 'rejected', signal: signalJson('fixed') });
    const invalid = await deadLetter(fixture.redis, { signal_id: '', outcome: 'invalid', signal: 'not json' });
    const doubt = await deadLetter(fixture.redis, { signal_id: 'unsure', outcome: 'in_doubt', signal: signalJson('unsure') });
    const done = await deadLetter(fixture.redis, { signal_id: 'done', outcome: 'attempts_exhausted', signal: signalJson('done') });
    await fixture.redis.set(dedupKey(fixture.keys.signalQueue, 'done'), '1');
    const replay = (ids: string[], force = false) =>
      service.request('/admin/dead-letter/replay', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ids, force_in_doubt: force }),
      });
    const answer = await json(await replay([rejected, invalid, doubt, done, '1-1']));
    expect(answer.results).toEqual([
      { id: rejected, signal_id: 'fixed', result: 'replayed' },
      { id: invalid, signal_id: '', result: 'not_replayable' },
      { id: doubt, signal_id: 'unsure', result: 'in_doubt_needs_force' },
      { id: done, signal_id: 'done', result: 'already_executed' },
      { id: '1-1', signal_id: '', result: 'not_found' },
    ]);
    const queued = await fixture.redis.xrange(fixture.keys.signalQueue, '-', '+');
    expect(queued.map(([, fields]) => fields)).toEqual([['signal', signalJson('fixed'), 'replay_of', rejected]]);
    await eventually('the replayed signal to execute', async () =>
      (await fixture.records()).some((record) => record.signal_id === 'fixed' && record.outcome === 'executed'),
    );
    expect((await json(await replay([doubt], true))).results).toEqual([{ id: doubt, signal_id: 'unsure', result: 'replayed' }]);
    // Replayed again after it executed: never sent twice.
    expect((await json(await replay([rejected]))).results).toEqual([{ id: rejected, signal_id: 'fixed', result: 'already_executed' }]);
    expect(fixture.bridges.lean_self_hosted.placements.filter((placement) => placement.signalId === 'fixed')).toHaveLength(1);
  });

  it('refuses a request without ids with a 400', async () => {
    const service = await fixture.start();
    const response = await service.request('/admin/dead-letter/replay', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"ids": []}',
    });
    expect(response.status).toBe(400);
    expect(String((await json(response)).error)).toMatch(/ids: at least one/);
  });
});

describe('a list queue', () => {
  const listFixture = useServiceFixture('list');
  it('gets the replayed signal pushed back as its raw text', async () => {
    const service = await listFixture.start();
    const id = await listFixture.redis.xadd(listFixture.keys.deadLetterQueue, '*', 'signal_id', 'l1', 'outcome', 'expired', 'signal', signalJson('l1'));
    const response = await service.request('/admin/dead-letter/replay', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ids: [id] }),
    });
    expect((await json(response)).results).toEqual([{ id, signal_id: 'l1', result: 'replayed' }]);
    await eventually('the replayed signal to execute', async () =>
      (await listFixture.records()).some((record) => record.signal_id === 'l1' && record.outcome === 'executed'),
    );
  });
});
