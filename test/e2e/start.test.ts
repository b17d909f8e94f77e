/**
 * `npm start` end to end: the real entry point (`node --import tsx src/main.ts`) as a child process, on a private
 * Redis (it uses the contract's fixed key names, so it must not share the test Redis) with fake
 * engine bridges: it serves, executes a signal, answers the status, and exits 0 on SIGTERM; a bad
 * configuration stops it at once with a message naming the variable.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeBridge, type FakeBridge } from '../support/fakeBridge.js';
import { freePort, startPrivateRedis, type PrivateRedis } from '../support/redisServer.js';
import { eventually, signalJson, streamRecords } from '../support/service.js';
import { STATUS_KEYS } from '../support/contract.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** A started `npm start` process and what it wrote. */
interface StartedProcess {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Resolves with the exit code (null when killed by a signal) once the process has exited. */
  readonly exited: Promise<number | null>;
}

const started: StartedProcess[] = [];

/**
 * Runs `node --import tsx src/main.ts` with exactly `env` (plus PATH and HOME), in a process group of
 * its own. Not the `tsx` command, whose wrapper process SIGKILLs the service when it does not report
 * a SIGTERM within 30 ms (test/support/faultProcess.ts).
 */
function startMain(env: Record<string, string>): StartedProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const run: StartedProcess = { child, stdout: () => stdout, stderr: () => stderr, exited };
  started.push(run);
  return run;
}

/** The exit code, or a failure naming what the process wrote when it did not exit in time. */
async function exitCode(run: StartedProcess, timeoutMs: number): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the process did not exit within ${timeoutMs} ms; stdout: ${run.stdout()} stderr: ${run.stderr()}`)), timeoutMs);
  });
  try {
    return await Promise.race([run.exited, late]);
  } finally {
    clearTimeout(timer);
  }
}

function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

let redisServer: PrivateRedis;
let redis: Redis;
let bridges: { primary: FakeBridge; backup1: FakeBridge; backup2: FakeBridge };

beforeAll(async () => {
  redisServer = await startPrivateRedis();
  redis = new Redis(redisServer.url);
  const [primary, backup1, backup2] = await Promise.all([startFakeBridge(), startFakeBridge(), startFakeBridge()]);
  bridges = { primary, backup1, backup2 };
});

afterAll(async () => {
  // Every test waits for its process to exit; this catches those a failed test left running.
  for (const { child, exited } of started.splice(0)) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      process.kill(-child.pid, 'SIGKILL');
      await exited;
    }
  }
  redis.disconnect();
  await Promise.all(Object.values(bridges).map((bridge) => bridge.close()));
  await redisServer.stop();
});

function engineEnv(): Record<string, string> {
  return {
    ENGINE_LEAN_SELF_HOSTED_URL: bridges.primary.url,
    ENGINE_QUANTTRADER_PYBROKER_URL: bridges.backup1.url,
    ENGINE_NAUTILUS_TRADER_URL: bridges.backup2.url,
  };
}

/** Engine URLs for the configuration tests, which never reach an engine. */
const PLACEHOLDER_ENGINES: Readonly<Record<string, string>> = {
  ENGINE_LEAN_SELF_HOSTED_URL: 'http://127.0.0.1:9/lean',
  ENGINE_QUANTTRADER_PYBROKER_URL: 'http://127.0.0.1:9/quanttrader',
  ENGINE_NAUTILUS_TRADER_URL: 'http://127.0.0.1:9/nautilus',
};

describe('npm start', () => {
  it('serves, executes a signal from execution.signals, answers the status, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const main = startMain({ ...engineEnv(), PORT: String(port), REDIS_URL: redisServer.url, LOG_LEVEL: 'info' });

    await eventually('GET /health to answer 200', async () => (await fetch(`${base}/health`).catch(() => null))?.status === 200, 15_000);
    expect((await fetch(`${base}/ready`)).status).toBe(200);

    const raw = signalJson('e2e-1');
    await redis.xadd('execution.signals', '*', 'signal', raw);
    const record = await eventually('the signal on execution.events', async () =>
      (await streamRecords(redis, 'execution.events')).find((entry) => entry.signal_id === 'e2e-1'),
    );
    expect(record).toMatchObject({ outcome: 'executed', engine: 'lean_self_hosted', attempts: '1', signal: raw });
    expect(bridges.primary.requests.filter((request) => request.method === 'POST').map((request) => request.idempotencyKey)).toEqual(['e2e-1']);

    const response = await fetch(`${base}/admin/execution-status`);
    expect(response.status).toBe(200);
    const status = (await response.json()) as Record<string, unknown>;
    expect(Object.keys(status).sort()).toEqual([...STATUS_KEYS].sort());
    expect(status).toMatchObject({
      active_engine: 'lean_self_hosted',
      primary_engine: 'lean_self_hosted',
      backup_engines: ['quanttrader_pybroker', 'nautilus_trader'],
      state: 'primaryActive',
      paused: false,
      failover_enabled: true,
      failure_threshold: 5,
      recovery_timeout_seconds: 300,
      role: 'leader',
    });
    // The contract's fixed key names.
    expect(await redis.exists('execution.failover.state')).toBe(1);
    const groups = (await redis.xinfo('GROUPS', 'execution.signals')) as unknown[][];
    expect(groups.map((group) => group[group.indexOf('name') + 1])).toEqual(['execution-manager']);

    main.child.kill('SIGTERM');
    expect(await exitCode(main, 10_000)).toBe(0);
    const lines = jsonLines(main.stdout());
    expect(lines.map((line) => line.msg)).toEqual(expect.arrayContaining(['listening', 'stopped']));
    for (const line of lines) expect(line).toMatchObject({ level: expect.any(String), time: expect.any(String), msg: expect.any(String) });
    const [pending] = await redis.xpending('execution.signals', 'execution-manager');
    expect(Number(pending)).toBe(0);
  });

  // No Redis answers at this URL: a configuration error must stop the start before any connection.
  const unreachableRedis = 'redis://127.0.0.1:1';

  it.concurrent.each([
    { case: 'a bad number', variable: 'EXECUTION_FAILOVER_THRESHOLD', env: { ...PLACEHOLDER_ENGINES, EXECUTION_FAILOVER_THRESHOLD: 'abc' } },
    {
      case: 'a missing engine URL',
      variable: 'ENGINE_NAUTILUS_TRADER_URL',
      env: Object.fromEntries(Object.entries(PLACEHOLDER_ENGINES).filter(([name]) => name !== 'ENGINE_NAUTILUS_TRADER_URL')),
    },
    { case: 'a public HOST without ADMIN_TOKEN', variable: 'ADMIN_TOKEN', env: { ...PLACEHOLDER_ENGINES, HOST: '0.0.0.0' } },
  ])('refuses $case at once, exiting non-zero with a message naming $variable', async ({ variable, env }) => {
    const port = await freePort();
    const main = startMain({ ...env, PORT: String(port), REDIS_URL: unreachableRedis });
    const code = await exitCode(main, 10_000);
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(main.stderr()).toContain(variable);
    const [line] = jsonLines(main.stderr());
    expect(line).toMatchObject({ level: 'fatal', variable });
    expect(main.stdout()).not.toContain('listening');
  });
});
