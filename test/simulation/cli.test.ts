/**
 * `npm run simulate -- <file>` as a user runs it: the process, its output and its exit code.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scenarioPath } from './shippedScenarios.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function simulate(...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['tsx', 'src/simulate.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function lastLine(text: string): string {
  return text.trimEnd().split('\n').at(-1) ?? '';
}

let dir = '';

async function tempFile(name: string, content: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'simulate-cli-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('npm run simulate', () => {
  it('exits 0 and ends with the count when every expectation is met', async () => {
    const run = await simulate(scenarioPath('flapping-primary.json'));
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(lastLine(run.stdout)).toBe('10/10 expectations met');
    expect(run.stdout).toContain('primaryActive -> backup1Active (threshold)');
    expect(run.stdout).toContain('recovery timeout 120 s (was 60 s), next recovery check at 224 s');
  });

  it('exits 1 and names the expectation that is not met', async () => {
    const path = await tempFile(
      'unmet.json',
      JSON.stringify({
        name: 'unmet',
        signals: { every: 1 },
        events: [{ at: 10, engine: 'lean_self_hosted', becomes: 'down' }],
        until: 60,
        expect: [
          { at: 20, state: 'backup1Active' },
          { at: 30, state: 'primaryActive' },
        ],
      }),
    );
    const run = await simulate(path);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('NOT MET  at 30 s: expected primaryActive, was backup1Active');
    expect(lastLine(run.stdout)).toBe('1/2 expectations met');
  });

  it('exits 2 naming the field and the problem of an invalid file', async () => {
    const path = await tempFile('invalid.json', JSON.stringify({ name: 'bad', signals: { every: 1 }, until: 60, config: { EXECUTION_FAILOVER_THRESHOLD: 0 } }));
    const run = await simulate(path);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('config.EXECUTION_FAILOVER_THRESHOLD: must be a whole number of 1 or more, got 0');
  });

  it('exits 2 for a file that is not JSON', async () => {
    const path = await tempFile('broken.json', '{ "name": "broken", ');
    const run = await simulate(path);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${path}: invalid scenario:`);
    expect(run.stderr).toContain('not valid JSON');
  });

  it('exits 2 for a missing file and for no file at all', async () => {
    const missing = join(dir, 'missing.json');
    const [missingRun, noFileRun] = await Promise.all([simulate(missing), simulate()]);
    expect(missingRun.code).toBe(2);
    expect(missingRun.stderr).toContain(`${missing}: no such file`);
    expect(noFileRun.code).toBe(2);
    expect(noFileRun.stderr).toContain('no scenario file given');
  });
});
