/** The loopback Host rule (contract section 5): without ADMIN_TOKEN, no DNS rebinding. */
import { describe, expect, it } from 'vitest';
import { hostOfHeader, isLoopbackHost } from '../../src/loopback.js';
import { useServiceFixture } from '../support/serviceFixture.js';

const fixture = useServiceFixture('stream');

describe('the Host rule', () => {
  it.each(['localhost:8001', '127.0.0.1:8001', '127.4.5.6', '[::1]:8001', 'app.localhost'])('serves Host %s', async (host) => {
    const service = await fixture.start();
    expect((await service.request('/admin/execution-status', { headers: { host } })).status).toBe(200);
  });

  it.each(['evil.example', 'evil.example:8001', '10.0.0.5:8001', '[2001:db8::1]:8001', '127.0.0.1.evil.example'])(
    'refuses Host %s with 403 without ADMIN_TOKEN',
    async (host) => {
      const service = await fixture.start();
      for (const path of ['/admin/execution-status', '/inspect', '/metrics']) {
        const response = await service.request(path, { headers: { host } });
        expect(response.status).toBe(403);
        expect(((await response.json()) as { error: string }).error).toMatch(/answers only to a loopback address/);
      }
      const pause = await service.request('/admin/execution/pause', { method: 'POST', headers: { host, 'content-type': 'application/json' }, body: '{}' });
      expect(pause.status).toBe(403);
      expect((await service.status()).paused).toBe(false);
    },
  );

  it('lets any Host through when ADMIN_TOKEN protects the service instead', async () => {
    const service = await fixture.start({ ADMIN_TOKEN: 'a-token-of-some-length' });
    const response = await service.request('/admin/execution-status', {
      headers: { host: 'trading.example:8001', authorization: 'Bearer a-token-of-some-length' },
    });
    expect(response.status).toBe(200);
  });

  it('reads the host out of a Host header', () => {
    expect(hostOfHeader('example.com:8001')).toBe('example.com');
    expect(hostOfHeader('[::1]:8001')).toBe('[::1]');
    expect(hostOfHeader('::1')).toBe('::1');
    expect(isLoopbackHost('[::1]')).toBe(true);
    expect(isLoopbackHost('::ffff:127.0.0.1')).toBe(true);
    expect(isLoopbackHost('localhost.evil.example')).toBe(false);
  });
});
