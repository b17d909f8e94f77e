/**
 * The production build (contract section 8): a copy of the project is built with `npm run build`,
 * then installed with production dependencies only (`npm ci --omit=dev`), and `npm start` runs it
 * on Node alone: it serves the status and `/inspect` with its script, and exits 0 on SIGTERM.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cp, mkdtemp, rm, symlink, unlink } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startPrivateRedis, type PrivateRedis } from '../support/redisServer.js';
import { eventually } from '../support/service.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
let copy: string;
let redisServer: PrivateRedis;

/** The project's files as git sees them (tracked and new, not ignored), copied to `target`. */
async function copyProject(target: string): Promise<void> {
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: ROOT, encoding: 'utf8' })
    .split('\0')
    .filter((file) => file !== '' && existsSync(path.join(ROOT, file)));
  for (const file of files) await cp(path.join(ROOT, file), path.join(target, file), { recursive: true });
}

function run(command: string, args: readonly string[]): void {
  const result = spawnSync(command, args, { cwd: copy, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${String(result.status)}):\n${result.stdout}\n${result.stderr}`);
}

beforeAll(async () => {
  copy = await mkdtemp(path.join(os.tmpdir(), 'ef-build-'));
  await copyProject(copy);
  // Built with the development tools this checkout has, as a build machine would.
  await symlink(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'));
  run('npm', ['run', '--silent', 'build']);
  await unlink(path.join(copy, 'node_modules'));
  // Production dependencies only, from npm's cache when it has them (CI's npm ci filled it).
  const offline = spawnSync('npm', ['ci', '--omit=dev', '--offline', '--no-audit', '--no-fund'], { cwd: copy, encoding: 'utf8' });
  if (offline.status !== 0) run('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund']);
  redisServer = await startPrivateRedis();
}, 240_000);

afterAll(async () => {
  await redisServer?.stop();
  await rm(copy, { recursive: true, force: true });
});

describe('the production build', () => {
  it('has no TypeScript runner or bundler in the production install', () => {
    expect(existsSync(path.join(copy, 'dist/src/main.js'))).toBe(true);
    expect(existsSync(path.join(copy, 'node_modules/tsx'))).toBe(false);
    expect(existsSync(path.join(copy, 'node_modules/esbuild'))).toBe(false);
    expect(existsSync(path.join(copy, 'node_modules/typescript'))).toBe(false);
  });

  it('starts with npm start on Node alone, serves the status and /inspect with its script, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn('npm', ['start', '--silent'], {
      cwd: copy,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.HOME ?? '/tmp',
        REDIS_URL: redisServer.url,
        PORT: String(port),
        LOG_LEVEL: 'info',
        ENGINE_LEAN_SELF_HOSTED_URL: 'sim://',
        ENGINE_QUANTTRADER_PYBROKER_URL: 'sim://',
        ENGINE_NAUTILUS_TRADER_URL: 'sim://',
      },
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const base = `http://127.0.0.1:${port}`;
      await eventually('the built service to answer', async () => (await fetch(`${base}/health`).catch(() => null))?.status === 200, 20_000);
      const status = (await (await fetch(`${base}/admin/execution-status`)).json()) as { state: string; role: string };
      expect(status).toMatchObject({ state: 'primaryActive', role: 'leader' });
      const page = await fetch(`${base}/inspect`);
      expect(page.status).toBe(200);
      // The committed drawing, copied into dist/statecharts, is inlined in the page.
      expect(await page.text()).toContain('<svg');
      const script = await fetch(`${base}/inspect/app.js`);
      expect(script.status).toBe(200);
      expect((await script.text()).length).toBeGreaterThan(10_000);
    } finally {
      // To the whole group, as a process manager does: npm, its shell and the service.
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
    }
    await exited;
    // npm itself dies of the signal; the service says it drained and stopped.
    await eventually('the service to say it stopped', () => output.includes('"msg":"stopped"'), 10_000);
    expect(output).not.toMatch(/"level":"(error|fatal)"/);
  }, 60_000);
});
