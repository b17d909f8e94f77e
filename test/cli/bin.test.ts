/**
 * The command line as an operator runs it: `npx execution-failover status --json` in the project,
 * a child process against a running service (real Redis, fake bridges) over real HTTP, its URL
 * from the environment; and the exit code 2 of the process when the service is away.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../support/redisServer.js';
import { serveApp, type ServedApp } from '../support/servedApp.js';
import { useServiceFixture } from '../support/serviceFixture.js';

const PROJECT = path.resolve(import.meta.dirname, '../..');
const fixture = useServiceFixture('stream');

const served: ServedApp[] = [];
afterEach(async () => {
  for (const app of served.splice(0)) await app.close();
});

/** Runs `npx execution-failover …` in the project; answers its exit code and output. */
function npx(args: readonly string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'npx',
      ['--no-install', 'execution-failover', ...args],
      { cwd: PROJECT, env: { ...process.env, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('npx execution-failover', () => {
  it('status --json prints the service status JSON and exits 0', async () => {
    const service = await fixture.start({ ADMIN_TOKEN: 'bin-test-admin-token-0123456789' });
    const app = await serveApp(service.service.app);
    served.push(app);
    const { code, stdout, stderr } = await npx(['status', '--json'], { EXECUTION_FAILOVER_URL: app.url, ADMIN_TOKEN: 'bin-test-admin-token-0123456789' });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual(await service.status());
  }, 90_000);

  it('exits 2 when the service cannot be reached', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const { code, stdout, stderr } = await npx(['status'], { EXECUTION_FAILOVER_URL: url });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(`status: cannot reach the service at ${url}`);
  }, 90_000);
});
