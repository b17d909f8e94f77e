/**
 * The audit stream (contract section 5): every admin write, accepted or refused, with its action,
 * parameters, result, remote address and time; reads are not recorded.
 */
import { describe, expect, it } from 'vitest';
import { streamRecords } from '../support/service.js';
import { useServiceFixture } from '../support/serviceFixture.js';

const fixture = useServiceFixture('stream');

const post = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

describe('the audit stream', () => {
  it('records each operator write with its action, params, result, remote and time', async () => {
    const service = await fixture.start({ AUDIT_STREAM: `${fixture.keys.prefix}audit` });
    await service.request('/admin/execution/pause', post({ reason: 'broker maintenance' }));
    await service.request('/admin/execution/switch', post({ engine: 'nowhere' }));
    await service.request('/admin/execution/resume', post({}));
    await service.request('/admin/execution-status');
    const entries = await streamRecords(fixture.redis, `${fixture.keys.prefix}audit`);
    expect(entries.map((entry) => entry.action)).toEqual(['pause', 'switch', 'resume']);
    expect(JSON.parse(entries[0]?.params ?? 'null')).toEqual({ reason: 'broker maintenance' });
    expect(entries.map((entry) => entry.result)).toEqual(['ok', expect.stringMatching(/^400: unknown engine "nowhere"/), 'ok']);
    for (const entry of entries) {
      expect(entry.remote).toBe('unknown');
      expect(Date.parse(entry.at ?? '')).toBeGreaterThan(Date.now() - 60_000);
    }
  });

  it('records a write the token refused, so that attempts show', async () => {
    const service = await fixture.start({ AUDIT_STREAM: `${fixture.keys.prefix}audit`, ADMIN_TOKEN: 'a-token-of-some-length' });
    const refused = await service.request('/admin/execution/pause', post({ reason: 'x' }, { authorization: 'Bearer wrong' }));
    expect(refused.status).toBe(401);
    const [entry] = await streamRecords(fixture.redis, `${fixture.keys.prefix}audit`);
    expect(entry).toMatchObject({ action: 'POST /admin/execution/pause', result: expect.stringMatching(/^401: missing or wrong admin token/) });
  });
});
