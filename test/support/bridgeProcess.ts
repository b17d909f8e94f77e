/**
 * A reference bridge's example as a real process, for the kit tests: started on a free port
 * (PORT=0) with its store in a temp folder, found by its {"msg":"listening","url":…} log line, and
 * killed with SIGKILL as a crash would, or stopped. Guarded so it never outlives the test process.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { guard } from './childGuard.js';
import { pollUntil } from './faultPolling.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');

/** Which example to start. */
export type BridgeKit = 'typescript' | 'python';

/** A running bridge process. */
export interface BridgeProcess {
  readonly url: string;
  /** Its JSON log lines so far. */
  logs(): readonly Record<string, unknown>[];
  /** Resolves once it has exited, with its exit code (null when a signal ended it). */
  readonly exit: Promise<number | null>;
  /** SIGKILL, as a crash; resolves once it has exited. */
  kill9(): Promise<void>;
  /** SIGTERM, SIGKILL after 5 s; resolves once it has exited. */
  stop(): Promise<void>;
}

/** Fails (never skips) when the Python kit cannot run here, saying what to install. */
export function requirePython(): void {
  const probe = spawnSync('python3', ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) {
    throw new Error('python3 is missing: the Python reference bridge needs it (apt-get install -y python3)', { cause: probe.error });
  }
  const [major = 0, minor = 0] = probe.stdout.trim().split('.').map(Number);
  if (major < 3 || (major === 3 && minor < 9)) throw new Error(`python3 is ${probe.stdout.trim()}; the Python reference bridge needs 3.9 or later`);
}

function commandOf(kit: BridgeKit): [string, string[]] {
  if (kit === 'typescript') return [process.execPath, ['--import', 'tsx', path.join(ROOT, 'bridge/typescript/example.ts')]];
  return ['python3', [path.join(ROOT, 'bridge/python/example.py')]];
}

/** Starts `kit`'s example with `env` on top of the test's own environment; resolves once it listens. */
export async function startBridgeProcess(kit: BridgeKit, env: Record<string, string>): Promise<BridgeProcess> {
  const [command, args] = commandOf(kit);
  const child: ChildProcess = spawn(command, args, { cwd: ROOT, env: { ...process.env, PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const spawned = new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (error) =>
      reject(new Error(`could not start ${command}${kit === 'python' ? ' (install it: apt-get install -y python3)' : ''}`, { cause: error })),
    );
  });
  await spawned;
  guard(child);
  const lines: Record<string, unknown>[] = [];
  const stderr: string[] = [];
  let pending = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    const parts = pending.split('\n');
    pending = parts.pop() ?? '';
    for (const part of parts) {
      try {
        lines.push(JSON.parse(part) as Record<string, unknown>);
      } catch {
        lines.push({ msg: 'not json', text: part });
      }
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
  let exited = false;
  const exit = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      exited = true;
      resolve(code);
    });
  });
  const listening = await pollUntil(`the ${kit} bridge to listen`, 20_000, () => lines.find((line) => line.msg === 'listening'), {
    failFast: () => exited,
  }).catch((error: unknown) => {
    throw new Error(`the ${kit} bridge did not start: ${stderr.join('').slice(-2000)}`, { cause: error });
  });
  const url = String(listening.url);

  async function signalAndWait(signal: NodeJS.Signals, graceMs: number | null): Promise<void> {
    if (exited) return;
    child.kill(signal);
    if (graceMs === null) {
      await exit;
      return;
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exit;
    clearTimeout(timer);
  }

  return {
    url,
    logs: () => lines,
    exit,
    kill9: () => signalAndWait('SIGKILL', null),
    stop: () => signalAndWait('SIGTERM', 5000),
  };
}
