/**
 * The operator controls of the command line (contract section 12) against a running service
 * (real Redis, fake bridges) over real HTTP: what each command prints, what it changed in the
 * service, its exit code, and the admin token read from ADMIN_TOKEN and never printed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { captureIo, type CapturedIo } from '../support/cliIo.js';
import { freePort } from '../support/redisServer.js';
import { streamRecords, type TestService } from '../support/service.js';
import { serveApp, type ServedApp } from '../support/servedApp.js';
import { useServiceFixture } from '../support/serviceFixture.js';

const fixture = useServiceFixture('stream');
const TOKEN = 'cli-test-admin-token-0123456789';

const served: ServedApp[] = [];
afterEach(async () => {
  for (const app of served.splice(0)) await app.close();
});

/** A service on this test's keys, listening on a real port; its audit stream is the test's own. */
async function startServed(env: Record<string, string> = {}): Promise<{ service: TestService; url: string }> {
  const service = await fixture.start({ AUDIT_STREAM: `${fixture.keys.prefix}audit`, ...env });
  const app = await serveApp(service.service.app);
  served.push(app);
  return { service, url: app.url };
}

async function cli(args: readonly string[], env: Record<string, string | undefined> = {}): Promise<{ code: number } & CapturedIo> {
  const captured = captureIo(env);
  const code = await runCli(args, captured.io);
  return { code, ...captured };
}

describe('status', () => {
  it('prints a readable summary of the running service, each engine in chain order', async () => {
    const { url } = await startServed();
    const { code, out, err } = await cli(['status', '--url', url]);
    expect(err).toEqual([]);
    expect(code).toBe(0);
    expect(out[0]).toBe('state:       primaryActive, signals go to lean_self_hosted');
    expect(out[1]).toMatch(/^instance: {4}leader, leader epoch \d+$/);
    expect(out).toContain('failover:    on, threshold 2, recovery timeout 1 s');
    expect(out).toContain('last change: none since the state was created');
    const engines = out.slice(out.indexOf('engines:') + 1);
    expect(engines).toEqual([
      '  lean_self_hosted      primary   failures 0/2    available  <- active',
      '  quanttrader_pybroker  backup 1  failures 0/2    available',
      '  nautilus_trader       backup 2  failures 0/2    available',
    ]);
  });

  it('prints the API JSON with --json, and finds the service through EXECUTION_FAILOVER_URL', async () => {
    const { service, url } = await startServed();
    const { code, out } = await cli(['status', '--json'], { EXECUTION_FAILOVER_URL: url });
    expect(code).toBe(0);
    expect(out).toHaveLength(1);
    expect(JSON.parse(out[0] ?? '')).toEqual(await service.status());
  });
});

describe('pause, resume and switch', () => {
  it('pause with a reason pauses the service, resume leaves paused, and both are in the audit stream', async () => {
    const { service, url } = await startServed();
    const paused = await cli(['pause', '--reason', 'broker maintenance', '--url', url]);
    expect(paused.code).toBe(0);
    expect(paused.out[0]).toBe('paused (broker maintenance)');
    expect(paused.out).toContain('state:       paused (broker maintenance): nothing is consumed, signals wait in Redis');
    expect(await service.status()).toMatchObject({ state: 'paused', paused: true, paused_reason: 'broker maintenance', active_engine: null });

    const resumed = await cli(['resume', '--url', url, '--json']);
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.out[0] ?? '')).toMatchObject({ state: 'primaryActive', active_engine: 'lean_self_hosted' });
    expect(await service.status()).toMatchObject({ state: 'primaryActive', paused: false });

    const audit = await streamRecords(fixture.redis, `${fixture.keys.prefix}audit`);
    expect(audit.map((entry) => [entry.action, entry.result])).toEqual([
      ['pause', 'ok'],
      ['resume', 'ok'],
    ]);
    expect(JSON.parse(audit[0]?.params ?? '')).toEqual({ reason: 'broker maintenance' });

    // The audit command reads them back, newest first.
    const listed = await cli(['audit', '--url', url]);
    expect(listed.code).toBe(0);
    expect(listed.out.map((line) => line.split(/ {2,}/))).toEqual([
      ['AT', 'ACTION', 'REMOTE', 'RESULT', 'PARAMS'],
      [audit[1]?.at, 'resume', '127.0.0.1', 'ok'],
      [audit[0]?.at, 'pause', '127.0.0.1', 'ok', '{"reason":"broker maintenance"}'],
    ]);
    const one = await cli(['audit', '--count', '1', '--url', url, '--json']);
    expect(JSON.parse(one.out[0] ?? '')).toEqual({ entries: [expect.objectContaining({ action: 'resume', result: 'ok' })] });
  });

  it('resume when not paused is refused: the service error on stderr, exit 1, nothing changed', async () => {
    const { service, url } = await startServed();
    const { code, out, err } = await cli(['resume', '--url', url]);
    expect(code).toBe(1);
    expect(out).toEqual([]);
    expect(err.join('\n')).toMatch(/^resume: the service refused \(409\): .*paused/);
    expect(await service.status()).toMatchObject({ state: 'primaryActive' });
  });

  it('switch moves execution to the named engine; an unknown engine is refused with exit 1', async () => {
    const { service, url } = await startServed();
    const switched = await cli(['switch', 'quanttrader_pybroker', '--url', url]);
    expect(switched.code).toBe(0);
    expect(switched.out[0]).toBe('switched to quanttrader_pybroker');
    expect(switched.out).toContain('state:       backup1Active, signals go to quanttrader_pybroker');
    expect(switched.out.some((line) => /^last change: primaryActive -> backup1Active \(operator\) at \d{4}-/.test(line))).toBe(true);
    expect(await service.status()).toMatchObject({ state: 'backup1Active', active_engine: 'quanttrader_pybroker' });

    const unknown = await cli(['switch', 'no_such_engine', '--url', url, '--json']);
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.out[0] ?? '')).toEqual({ error: expect.stringContaining('no_such_engine') });
    expect(unknown.err[0]).toMatch(/^switch: the service refused \(400\)/);
    expect(await service.status()).toMatchObject({ state: 'backup1Active' });
  });
});

describe('the admin token', () => {
  it('is sent from ADMIN_TOKEN; without it or with a wrong one the service refuses (exit 1); it is never printed', async () => {
    const { service, url } = await startServed({ ADMIN_TOKEN: TOKEN });
    const missing = await cli(['pause', '--url', url]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('pause: ADMIN_TOKEN is not set in this environment');
    const wrongToken = 'wrong-token-wrong-token-wrong';
    const wrong = await cli(['status', '--url', url], { ADMIN_TOKEN: wrongToken });
    expect(wrong.code).toBe(1);
    expect(wrong.err).toContain("status: the ADMIN_TOKEN of this environment is not the service's");
    expect(await service.status()).toMatchObject({ paused: false });

    const right = await cli(['pause', '--reason', 'with the token', '--url', url], { ADMIN_TOKEN: TOKEN });
    expect(right.code).toBe(0);
    expect(await service.status()).toMatchObject({ paused: true, paused_reason: 'with the token' });
    for (const run of [missing, wrong, right]) {
      const printed = [...run.out, ...run.err].join('\n');
      expect(printed).not.toContain(TOKEN);
      expect(printed).not.toContain(wrongToken);
    }
  });
});

describe('usage errors and an unreachable service exit 2', () => {
  it('an unreachable service: exit 2, saying which URL could not be reached', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const { code, out, err } = await cli(['status', '--url', url]);
    expect(code).toBe(2);
    expect(out).toEqual([]);
    expect(err[0]).toMatch(new RegExp(`^status: cannot reach the service at ${url.replace(/\./g, '\\.')} \\(ECONNREFUSED`));
    const json = await cli(['pause', '--url', url, '--json']);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.out[0] ?? '')).toEqual({ error: expect.stringContaining('cannot reach the service') });
  });

  it.each([
    [['switch'], '<engine> missing'],
    [['switch', 'a', 'b'], 'unexpected argument: b'],
    [['status', '--url', 'ftp://host'], 'must be http:// or https://'],
    [['status', '--url', 'http://user:secret@127.0.0.1:1'], 'must not carry a user or password'],
    [['pause', '--reason'], "Option '--reason <value>' argument missing"],
    [['pause', '--force'], "Unknown option '--force'"],
    [['status', 'extra'], 'unexpected argument: extra'],
  ])('%j: exit 2 with the problem and the synopsis', async (args, problem) => {
    const { code, out, err } = await cli(args);
    expect(code).toBe(2);
    expect(out).toEqual([]);
    expect(err[0]).toContain(problem);
    expect(err[1]).toMatch(new RegExp(`^usage: execution-failover ${args[0]} `));
    expect(err.join('\n')).not.toContain('secret');
  });

  it('every command has --help, printed with exit 0 and naming --url, --json and the exit codes', async () => {
    for (const name of ['status', 'pause', 'resume', 'switch', 'maintenance', 'positions', 'audit', 'dead-letter list', 'dead-letter replay']) {
      const { code, out } = await cli([...name.split(' '), '--help']);
      expect(code, name).toBe(0);
      expect(out[0], name).toMatch(new RegExp(`^usage: execution-failover ${name}`));
      const text = out.join('\n');
      for (const part of ['--url URL', '--json', 'ADMIN_TOKEN', 'exit codes: 0 the service did it, 1 it refused']) expect(text, name).toContain(part);
    }
  });

  it('a group without its subcommand lists the subcommands (exit 2); with --help, exit 0', async () => {
    const bare = await cli(['dead-letter']);
    expect(bare.code).toBe(2);
    expect(bare.err).toEqual(
      expect.arrayContaining(['execution-failover: "dead-letter" needs a subcommand', 'usage: execution-failover dead-letter <list|replay> [options]']),
    );
    const help = await cli(['dead-letter', '--help']);
    expect(help.code).toBe(0);
    expect(help.out.join('\n')).toMatch(/dead-letter list {4}list the dead-letter entries\n {2}dead-letter replay {2}put dead-letter/);
    const unknown = await cli(['dead-letter', 'purge']);
    expect(unknown.code).toBe(2);
    expect(unknown.err[0]).toBe('execution-failover: unknown subcommand "dead-letter purge"');
  });
});

describe('maintenance, against the running service', () => {
  it('puts the primary into maintenance (execution moves to backup 1), refuses a switch to it, and ends it', async () => {
    const { service, url } = await startServed();
    const on = await cli(['maintenance', 'lean_self_hosted', '--on', '--reason', 'gateway restart', '--json', '--url', url]);
    expect(on.err).toEqual([]);
    expect(on.code).toBe(0);
    const during: unknown = JSON.parse(on.out[0] ?? '');
    expect(during).toMatchObject({ state: 'backup1Active', engines_maintenance: { lean_self_hosted: { reason: 'gateway restart', until: null } } });
    expect(await service.status()).toMatchObject({ active_engine: 'quanttrader_pybroker' });

    const refused = await cli(['switch', 'lean_self_hosted', '--url', url]);
    expect(refused.code).toBe(1);
    expect(refused.err.join('\n')).toMatch(/409/);

    const off = await cli(['maintenance', 'lean_self_hosted', '--off', '--url', url]);
    expect(off.code).toBe(0);
    expect(off.out[0]).toBe('lean_self_hosted: maintenance ended');
    expect((await service.status()).engines_maintenance.lean_self_hosted).toBeNull();
    // Ending a maintenance that is not on is refused.
    expect((await cli(['maintenance', 'lean_self_hosted', '--off', '--url', url])).code).toBe(1);
  });
});
