/**
 * bridge-check against bridges with known flaws, over real HTTP: each flaw fails the rules it
 * breaks and no other, with exit 1; a bridge that cannot be reached, and bad usage, exit 2. The
 * reference bridges' full passes are in test/bridge/.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { startFakeBridge, type FakeBridge } from '../support/fakeBridge.js';
import { captureIo } from '../support/cliIo.js';
import { startFlawedBridge, type Flaw } from '../support/flawedBridge.js';

const BIN = path.resolve(import.meta.dirname, '../../bin/execution-failover.js');

/** Runs the package's bin as a process; answers its exit code and output. */
function runBin(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 20_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      resolve({ code, stdout, stderr });
    });
  });
}

interface JsonReport {
  readonly fences: boolean | null;
  readonly rules: readonly { readonly id: string; readonly passed: boolean; readonly why?: string }[];
  readonly passed: number;
  readonly failed: number;
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function check(url: string, ...options: string[]): Promise<{ code: number; report: JsonReport; err: string[] }> {
  const captured = captureIo();
  const code = await runCli(['bridge-check', url, '--json', ...options], captured.io);
  expect(captured.out).toHaveLength(1);
  return { code, report: JSON.parse(captured.out[0] ?? '') as JsonReport, err: captured.err };
}

function failedRules(report: JsonReport): string[] {
  return report.rules.filter((rule) => !rule.passed).map((rule) => rule.id);
}

async function fake(options: Parameters<typeof startFakeBridge>[0]): Promise<FakeBridge> {
  const bridge = await startFakeBridge(options);
  closers.push(() => bridge.close());
  return bridge;
}

describe('bridge-check', () => {
  it('passes a bridge without flaws, printing one PASS line per rule, the fencing finding and the counts', async () => {
    const bridge = await startFlawedBridge('none');
    closers.push(() => bridge.close());
    const captured = captureIo();
    const code = await runCli(['bridge-check', bridge.url, '--fencing', '--symbol', 'MSFT', '--quantity', '2'], captured.io);
    expect(captured.err.join('\n')).toMatch(/WARNING: bridge-check places real orders/);
    expect(captured.err.join('\n')).toMatch(/never run it against a bridge a live service uses/);
    const rules = captured.out.filter((line) => /^(PASS|FAIL) /.test(line));
    expect(rules).toHaveLength(10);
    expect(rules.every((line) => line.startsWith('PASS '))).toBe(true);
    expect(captured.out).toContain('10 passed, 0 failed');
    expect(captured.out.some((line) => line.startsWith('fencing: the bridge fences'))).toBe(true);
    expect(code).toBe(0);

    // Every request says its epoch; every order uses a key of its own run and the chosen symbol.
    expect(bridge.requests.every((request) => /^\d+$/.test(String(request.headers['x-leader-epoch'])))).toBe(true);
    const orders = bridge.requests.filter((request) => request.method === 'POST');
    expect(orders.every((request) => /^bridge-check-[0-9a-f]{8}-\d+$/.test(String(request.headers['idempotency-key'])))).toBe(true);
    expect(
      orders.map((request) => JSON.parse(request.body) as { symbol?: string; quantity?: number }).filter((body) => body.symbol === 'MSFT')[0]?.quantity,
    ).toBe(2);
    // The order, one for the concurrent key, one at the newer epoch: nothing else was placed.
    expect(bridge.placed).toHaveLength(3);
  });

  it.each<[Flaw, string[]]>([
    ['health-503', ['health']],
    // Its later answers (the stored report) differ from the first ("OK"), and the concurrent ones too.
    ['text-report', ['order', 'repeat', 'lookup-placed', 'concurrent']],
    ['repeat-new-report', ['repeat', 'concurrent']],
    ['lookup-placed-404', ['lookup-placed', 'concurrent']],
    // A rejected or fenced order's lookup must be 404 as well.
    ['lookup-unknown-409', ['lookup-unknown', 'bad-signal', 'fenced-not-placed']],
    ['bad-signal-500', ['bad-signal']],
    ['fence-orders-only', ['fence', 'fenced-not-placed']],
    ['stale-wrong-epoch', ['fence']],
  ])('fails a bridge with the flaw %s on exactly %j, exit 1', async (flaw, expected) => {
    const bridge = await startFlawedBridge(flaw);
    closers.push(() => bridge.close());
    const { code, report } = await check(bridge.url, '--fencing');
    expect(failedRules(report)).toEqual(expected);
    expect(report.rules.filter((rule) => !rule.passed).every((rule) => (rule.why ?? '').length > 20)).toBe(true);
    expect(code).toBe(1);
  });

  it('fails the concurrency rule of a bridge that places a repeat arriving while the first is in progress (the fake bridge, naive)', async () => {
    const bridge = await fake({ idempotency: 'naive', placeMs: 200 });
    const { code, report } = await check(bridge.url);
    // The fake bridge checks no signal, so the bad signals are placed too.
    expect(failedRules(report)).toEqual(['concurrent', 'bad-signal']);
    expect(report.rules.find((rule) => rule.id === 'concurrent')?.why).toMatch(/placed more than one order for one key/);
    expect(report.fences).toBeNull();
    expect(code).toBe(1);
  });

  it('tells a fencing bridge from one that does not fence (the fake bridge, with and without fencing)', async () => {
    const fencing = await fake({ fencing: true, placeMs: 100 });
    const withFence = await check(fencing.url, '--fencing');
    expect(failedRules(withFence.report)).toEqual(['bad-signal']);
    expect(withFence.report.fences).toBe(true);
    expect(fencing.highestEpoch()).toBeGreaterThan(Date.now() - 60_000);

    const open = await fake({ fencing: false });
    const without = await check(open.url, '--fencing');
    expect(failedRules(without.report)).toEqual(['bad-signal', 'fence', 'fenced-not-placed']);
    expect(without.report.rules.find((rule) => rule.id === 'fence')?.why).toMatch(/it was placed/);
    expect(without.report.fences).toBe(false);
    expect(without.code).toBe(1);
  });

  it('exits 2 for a bridge that refuses connections or never answers, before any rule', async () => {
    const down = await fake({ mode: 'down' });
    const refused = captureIo();
    expect(await runCli(['bridge-check', down.url], refused.io)).toBe(2);
    expect(refused.out).toEqual([]);
    expect(refused.err.at(-1)).toMatch(/cannot reach the bridge at .*connection refused/);

    const hang = await fake({ mode: 'hang' });
    const silent = captureIo();
    expect(await runCli(['bridge-check', hang.url, '--timeout-ms', '300'], silent.io)).toBe(2);
    expect(silent.err.at(-1)).toMatch(/no answer within 300 ms/);
  });

  it.each([
    [['bridge-check']],
    [['bridge-check', 'http://127.0.0.1:9', 'http://127.0.0.1:10']],
    [['bridge-check', 'ftp://127.0.0.1:9']],
    [['bridge-check', 'not a url']],
    [['bridge-check', 'http://127.0.0.1:9', '--quantity', '-1']],
    [['bridge-check', 'http://127.0.0.1:9', '--quantity', 'ten']],
    [['bridge-check', 'http://127.0.0.1:9', '--timeout-ms', '0']],
    [['bridge-check', 'http://127.0.0.1:9', '--symbol', '']],
    [['bridge-check', 'http://127.0.0.1:9', '--symbol']],
    [['bridge-check', 'http://127.0.0.1:9', '--fence']],
    [['no-such-command']],
    [[]],
  ])('exits 2 for the usage %j, saying what is wrong, without sending anything', async (argv) => {
    const captured = captureIo();
    expect(await runCli(argv, captured.io)).toBe(2);
    expect(captured.out).toEqual([]);
    expect(captured.err.join('\n')).toMatch(/execution-failover/);
  });

  it('answers --help for the program and for the command, exit 0', async () => {
    const program = captureIo();
    expect(await runCli(['--help'], program.io)).toBe(0);
    expect(program.out.join('\n')).toMatch(/bridge-check/);
    const command = captureIo();
    expect(await runCli(['bridge-check', '--help'], command.io)).toBe(0);
    expect(command.out[0]).toMatch(/^usage: execution-failover bridge-check <url>/);
    expect(command.out.join('\n')).toMatch(/PLACES REAL ORDERS/);
    const viaHelp = captureIo();
    expect(await runCli(['help', 'bridge-check'], viaHelp.io)).toBe(0);
    expect(viaHelp.out).toEqual(command.out);
  });

  it('runs as the package bin (bin/execution-failover.js), with the same lines and exit codes', async () => {
    const bridge = await startFlawedBridge('none');
    closers.push(() => bridge.close());
    const passing = await runBin(['bridge-check', bridge.url, '--fencing']);
    expect(passing.stdout.trim().split('\n').at(-1)).toBe('10 passed, 0 failed');
    expect(passing.stderr).toMatch(/WARNING/);
    expect(passing.code).toBe(0);

    const usage = await runBin(['bridge-check']);
    expect(usage.stderr).toMatch(/the bridge URL is missing/);
    expect(usage.code).toBe(2);
  });
});
