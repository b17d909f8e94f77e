/**
 * The service as a real process for the fault suite: `node --import tsx src/main.ts`, one process
 * in a process group of its own, so that `kill -9` takes it and anything it started down together,
 * as a crash would. Not the `tsx` command: that wraps node in a second process which, given a
 * SIGTERM, waits 30 ms for node to report the signal and then kills it with SIGKILL; on a loaded
 * machine the report comes later, and the service was killed in the middle of its drain.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import path from 'node:path';
import { pollUntil } from './faultPolling.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
/** How to run a TypeScript entry point: node itself with the tsx loader. */
const RUN_TYPESCRIPT = ['--import', 'tsx'];

/** One JSON log line the service wrote, with the moment the test process read it. */
export interface ServiceLogLine {
  readonly fields: Readonly<Record<string, unknown>>;
  /** `Date.now()` when the line arrived. */
  readonly receivedAt: number;
}

/** What `GET /admin/execution-status` answered, as far as the fault suite reads it. */
export interface StatusSample {
  readonly role: unknown;
  readonly state: unknown;
  readonly active_engine: unknown;
}

/** A started service process. */
export interface ServiceProcess {
  /** The instance's name: its `CONSUMER_NAME` and the sender name in its engine URLs. */
  readonly name: string;
  readonly port: number;
  /** `http://127.0.0.1:<port>`. */
  readonly baseUrl: string;
  readonly pid: number;
  /** Where its stdout and stderr are written. */
  readonly logFile: string;
  /** Its JSON log lines so far. */
  logs(): readonly ServiceLogLine[];
  /** Whether it has exited. */
  exited(): boolean;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exit: Promise<number | null>;
  /** Waits until `GET /health` answers 200; fails early when the process exits. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /** The status, or null when it does not answer 200 right now. */
  status(): Promise<StatusSample | null>;
  /** The HTTP status of `GET /ready`, or null when nothing answers. */
  readyStatus(): Promise<number | null>;
  /**
   * POSTs `body` as JSON to `path` (an operator command such as `/admin/execution/pause`); answers
   * the HTTP status and the parsed answer, or null when nothing answers within `timeoutMs`.
   */
  post(path: string, body?: unknown, timeoutMs?: number): Promise<AdminAnswer | null>;
  /** SIGKILL to the whole process group, as a crash; resolves once it has exited. */
  kill9(): Promise<void>;
  /** SIGTERM (the service finishes what is in flight), SIGKILL after `graceMs`; resolves once exited. */
  stop(graceMs?: number): Promise<void>;
  /** SIGSTOP to the process group: it freezes, as a process stuck in a long GC pause or swapped out. */
  freeze(): void;
  /** SIGCONT: a frozen process goes on where it stopped. */
  thaw(): void;
}

/** What the service answered to an operator command. */
export interface AdminAnswer {
  readonly status: number;
  /** Parsed JSON, or null when the body was not JSON. */
  readonly body: unknown;
}

/** What a service process is started with. */
export interface ServiceProcessOptions {
  readonly name: string;
  readonly port: number;
  /** The full environment besides PATH and HOME. */
  readonly env: Readonly<Record<string, string>>;
  readonly logFile: string;
}

const running = new Set<ServiceProcess>();

/**
 * Kills every service process still running, synchronously: for `process.on('exit')`, so a runner
 * stopped halfway leaves no service behind.
 */
export function killAllServiceProcessesNow(): void {
  for (const service of running) {
    try {
      process.kill(-service.pid, 'SIGKILL');
    } catch {
      // ESRCH: the whole group is gone already.
    }
  }
}

function parseLine(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.fromEntries(Object.entries(value)) : null;
  } catch {
    return null;
  }
}

async function fetchOrNull(url: string, timeoutMs = 1000): Promise<Response | null> {
  try {
    return await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch {
    return null;
  }
}

function collectLines(stream: NodeJS.ReadableStream | null, file: WriteStream, into: ServiceLogLine[] | null): void {
  let partial = '';
  stream?.on('data', (chunk: Buffer) => {
    file.write(chunk);
    if (into === null) return;
    partial += chunk.toString('utf8');
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    const receivedAt = Date.now();
    for (const line of lines) {
      const fields = parseLine(line);
      if (fields !== null) into.push({ fields, receivedAt });
    }
  });
}

/** Starts `node --import tsx src/main.ts` with `options.env`; does not wait for it to serve. */
export function startServiceProcess(options: ServiceProcessOptions): ServiceProcess {
  const child: ChildProcess = spawn(process.execPath, [...RUN_TYPESCRIPT, 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...options.env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`Could not start the service process "${options.name}" (node --import tsx src/main.ts)`);
  // A negative pid addresses the whole process group: the service and anything it started.
  const group = -pid;
  const file = createWriteStream(options.logFile, { flags: 'a' });
  const lines: ServiceLogLine[] = [];
  collectLines(child.stdout, file, lines);
  collectLines(child.stderr, file, null);
  let hasExited = false;
  const exit = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      hasExited = true;
      resolve(code);
    }),
  );
  const baseUrl = `http://127.0.0.1:${options.port}`;

  /** Signals every process of the group; a group already gone is not an error. */
  function signalGroup(signal: NodeJS.Signals): void {
    try {
      process.kill(group, signal);
    } catch {
      // ESRCH: every process of the group has exited.
    }
  }

  const service: ServiceProcess = {
    name: options.name,
    port: options.port,
    baseUrl,
    pid,
    logFile: options.logFile,
    logs: () => lines,
    exited: () => hasExited,
    exit,
    async waitHealthy(timeoutMs = 20_000) {
      await pollUntil(
        `the service "${options.name}" to answer GET /health (log: ${options.logFile})`,
        timeoutMs,
        async () => {
          if (hasExited) throw new Error(`the service "${options.name}" exited before it served; see ${options.logFile}`);
          return (await fetchOrNull(`${baseUrl}/health`))?.status === 200;
        },
        { failFast: () => hasExited },
      );
    },
    async status() {
      const response = await fetchOrNull(`${baseUrl}/admin/execution-status`);
      if (response === null || response.status !== 200) return null;
      const body: unknown = await response.json().catch(() => null);
      if (typeof body !== 'object' || body === null) return null;
      return {
        role: 'role' in body ? body.role : undefined,
        state: 'state' in body ? body.state : undefined,
        active_engine: 'active_engine' in body ? body.active_engine : undefined,
      };
    },
    async readyStatus() {
      return (await fetchOrNull(`${baseUrl}/ready`, 2000))?.status ?? null;
    },
    async post(path, body = {}, timeoutMs = 2000) {
      try {
        const response = await fetch(`${baseUrl}${path}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(timeoutMs),
        });
        return { status: response.status, body: await response.json().catch(() => null) };
      } catch {
        // Refused, reset or timed out (a frozen or dead process): nothing answered.
        return null;
      }
    },
    async kill9() {
      signalGroup('SIGKILL');
      await exit;
      running.delete(service);
    },
    async stop(graceMs = 10_000) {
      if (!hasExited) {
        signalGroup('SIGTERM');
        // A frozen process would hold the SIGTERM until thawed.
        signalGroup('SIGCONT');
      }
      const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
      await exit;
      clearTimeout(timer);
      // Whatever is left of the group (a child the service started) goes too.
      signalGroup('SIGKILL');
      running.delete(service);
    },
    freeze: () => signalGroup('SIGSTOP'),
    thaw: () => signalGroup('SIGCONT'),
  };
  void exit.then(() => file.end());
  running.add(service);
  return service;
}
