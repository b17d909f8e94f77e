/**
 * `GET /admin/audit`: the audit stream read back, newest first, as the inspector and the command
 * line show it; the admin token guards it like every `/admin/*` route.
 */
import { describe, expect, it } from 'vitest';
import { postJson } from '../support/service.js';
import { useServiceFixture } from '../support/serviceFixture.js';

const fixture = useServiceFixture('stream');
const TOKEN = 'audit-route-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };

interface Entries {
  readonly entries: readonly {
    readonly id: string;
    readonly action: string;
    readonly params: string;
    readonly result: string;
    readonly remote: string;
    readonly at: string;
  }[];
}

describe('GET /admin/audit', () => {
  it('answers the newest operator actions first, with their stream ids, as many as asked', async () => {
    const service = await fixture.start({ AUDIT_STREAM: `${fixture.keys.prefix}audit`, ADMIN_TOKEN: TOKEN });
    await service.request('/admin/execution/pause', postJson({ reason: 'first' }, auth));
    await service.request('/admin/execution/switch', postJson({ engine: 'nowhere' }, auth));
    await service.request('/admin/execution/resume', postJson(undefined, auth));
    const ids = (await fixture.redis.xrange(`${fixture.keys.prefix}audit`, '-', '+')).map(([id]) => id);

    const all = (await (await service.request('/admin/audit', { headers: auth })).json()) as Entries;
    expect(all.entries.map((entry) => [entry.id, entry.action])).toEqual([
      [ids[2], 'resume'],
      [ids[1], 'switch'],
      [ids[0], 'pause'],
    ]);
    expect(all.entries[2]).toMatchObject({ params: JSON.stringify({ reason: 'first' }), result: 'ok', remote: 'unknown' });
    expect(all.entries[1]?.result).toMatch(/^400: unknown engine "nowhere"/);

    const two = (await (await service.request('/admin/audit?count=2', { headers: auth })).json()) as Entries;
    expect(two.entries.map((entry) => entry.action)).toEqual(['resume', 'switch']);
    // Reading is not an action: the stream did not grow.
    expect(await fixture.redis.xlen(`${fixture.keys.prefix}audit`)).toBe(3);
  });

  it('refuses a bad count (400) and a request without the token (401)', async () => {
    const service = await fixture.start({ AUDIT_STREAM: `${fixture.keys.prefix}audit`, ADMIN_TOKEN: TOKEN });
    for (const count of ['0', '1001', 'many', '2.5']) {
      const answer = await service.request(`/admin/audit?count=${count}`, { headers: auth });
      expect(answer.status, count).toBe(400);
      expect(await answer.json()).toEqual({ error: 'count: a whole number from 1 to 1000' });
    }
    expect((await service.request('/admin/audit')).status).toBe(401);
  });

  it('answers an empty list for a stream with no entry yet', async () => {
    const service = await fixture.start({ AUDIT_STREAM: `${fixture.keys.prefix}audit` });
    expect(await (await service.request('/admin/audit')).json()).toEqual({ entries: [] });
  });
});
