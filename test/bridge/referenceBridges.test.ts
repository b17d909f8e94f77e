/**
 * The reference bridges (bridge/typescript, bridge/python) as real processes: each passes
 * `bridge-check --fencing`, keeps its fence across a restart, and is honest after a kill -9 while
 * placing: an order the broker never filled is freed (lookup 404), one it filled before the bridge
 * could record it is found through the engine's lookup and answered with that fill, never placed twice.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { requirePython, startBridgeProcess, type BridgeKit, type BridgeProcess } from '../support/bridgeProcess.js';
import { captureIo } from '../support/cliIo.js';
import { pollUntil } from '../support/faultPolling.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bridge-ref-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function start(kit: BridgeKit, dir: string, env: Record<string, string> = {}): Promise<BridgeProcess> {
  if (kit === 'python') requirePython();
  const bridge = await startBridgeProcess(kit, {
    BRIDGE_STORE: path.join(dir, kit === 'python' ? 'store.sqlite3' : 'store.jsonl'),
    PAPER_FILLS: path.join(dir, 'fills.jsonl'),
    ...env,
  });
  cleanups.push(() => bridge.stop());
  return bridge;
}

async function call(url: string, init: RequestInit & { epoch: number }): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { ...init, headers: { 'Content-Type': 'application/json', 'X-Leader-Epoch': String(init.epoch), ...init.headers } });
  const text = await response.text();
  return { status: response.status, body: text === '' ? '' : (JSON.parse(text) as unknown) };
}

function order(bridge: BridgeProcess, id: string, epoch = 1) {
  const signal = { signal_id: id, symbol: 'AAPL', action: 'BUY', quantity: 3, order_type: 'MARKET' };
  return call(`${bridge.url}/orders`, { method: 'POST', epoch, headers: { 'Idempotency-Key': id }, body: JSON.stringify(signal) });
}

function lookup(bridge: BridgeProcess, id: string, epoch = 1) {
  return call(`${bridge.url}/orders/${id}`, { method: 'GET', epoch });
}

async function fillsFor(dir: string, id: string): Promise<unknown[]> {
  const text = await readFile(path.join(dir, 'fills.jsonl'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as { signal_id: string })
    .filter((fill) => fill.signal_id === id);
}

describe.each<BridgeKit>(['typescript', 'python'])('the %s reference bridge', (kit) => {
  it('passes bridge-check --fencing, and keeps the fence it raised across a restart', async () => {
    const dir = await tempDir();
    // Fills slow enough that the concurrent repeats meet an order in progress.
    const bridge = await start(kit, dir, { PAPER_FILL_MS: '150' });
    const captured = captureIo();
    const code = await runCli(['bridge-check', bridge.url, '--fencing', '--json'], captured.io);
    const report = JSON.parse(captured.out[0] ?? '{}') as { rules: { id: string; passed: boolean; why?: string }[]; fences: boolean; highest_epoch: number };
    expect(report.rules.filter((rule) => !rule.passed)).toEqual([]);
    expect(report.rules).toHaveLength(10);
    expect(report.fences).toBe(true);
    expect(code).toBe(0);

    await bridge.stop();
    const restarted = await start(kit, dir);
    expect(await order(restarted, 'after-restart', report.highest_epoch - 1)).toEqual({
      status: 409,
      body: { error: 'stale_epoch', epoch: report.highest_epoch },
    });
  });

  it('frees an order that a crash interrupted before the broker filled it (lookup 404 once settled), and places it on a repeat', async () => {
    const dir = await tempDir();
    // The fill takes far longer than the test needs to see the order in progress and kill the bridge.
    const bridge = await start(kit, dir, { PAPER_FILL_MS: '30000' });
    const sent = order(bridge, 'crash-early').catch((error: unknown) => error);
    await pollUntil('the order to be in progress', 10_000, async () => (await lookup(bridge, 'crash-early')).status === 409);
    await bridge.kill9();
    expect(await sent).toBeInstanceOf(Error);

    const restarted = await start(kit, dir, { PAPER_FILL_MS: '0' });
    // In doubt (409) until the engine's lookup said "not placed"; never 404 before that.
    await pollUntil('the order in doubt to be settled', 10_000, async () => {
      const answer = await lookup(restarted, 'crash-early');
      expect([404, 409]).toContain(answer.status);
      return answer.status === 404;
    });
    expect(await fillsFor(dir, 'crash-early')).toEqual([]);
    expect(await order(restarted, 'crash-early')).toMatchObject({ status: 200, body: { signal_id: 'crash-early', status: 'filled' } });
    expect(await fillsFor(dir, 'crash-early')).toHaveLength(1);
  });

  it('answers an order the broker filled just before a crash with that fill after the restart, and never places it again', async () => {
    const dir = await tempDir();
    const bridge = await start(kit, dir, { PAPER_FILL_MS: '0', PAPER_CRASH_AFTER_FILL: '1' });
    expect(await order(bridge, 'crash-late').catch((error: unknown) => error)).toBeInstanceOf(Error);
    await bridge.exit;
    const [fill] = await fillsFor(dir, 'crash-late');
    expect(fill).toMatchObject({ signal_id: 'crash-late' });

    const restarted = await start(kit, dir, { PAPER_FILL_MS: '0' });
    const settled = await pollUntil('the order in doubt to be settled', 10_000, async () => {
      const answer = await lookup(restarted, 'crash-late');
      expect([200, 409]).toContain(answer.status);
      return answer.status === 200 ? answer : undefined;
    });
    expect(settled.body).toEqual(fill);
    expect(await order(restarted, 'crash-late')).toEqual({ status: 200, body: fill });
    expect(await fillsFor(dir, 'crash-late')).toHaveLength(1);
  });
});
