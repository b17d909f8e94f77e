/**
 * Benchmark phases that must not share this process: the memory measurement (a fresh heap, with
 * `--expose-gc`) and the status client (its own event loop, so it measures the service's). They run
 * as Node.js children of this process, with the same TypeScript loader, and talk over IPC.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** A child this process started, with typed messages. */
export interface BenchChild {
  readonly process: ChildProcess;
  send(message: object): void;
  /**
   * The next message that `accept` recognises, including one that arrived before the call; other
   * messages are passed to `onOther`. Fails when the child exits first or after `timeoutMs`.
   */
  next<T>(what: string, accept: (message: unknown) => message is T, timeoutMs: number, onOther?: (message: unknown) => void): Promise<T>;
  /** Ends the child by its pid if it still runs, and waits for its exit. */
  stop(): Promise<void>;
}

/** Forks `bench/<script>` (a TypeScript module next to this file) with `args`. */
export function forkBenchChild(script: string, args: readonly string[], options: { exposeGc?: boolean } = {}): BenchChild {
  const path = fileURLToPath(new URL(script, import.meta.url));
  const child = fork(path, [...args], {
    // The loader flags tsx gave this process, so the child runs TypeScript too.
    execArgv: [...process.execArgv, ...(options.exposeGc ? ['--expose-gc'] : [])],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let exit: string | null = null;
  // A failed send or spawn is reported by next() and stop(), never as an uncaught 'error' event.
  let failure: Error | null = null;
  child.on('error', (error) => {
    failure ??= error;
    wake?.();
  });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = `exited (code ${code}, signal ${signal})`;
      resolve();
    });
  });
  // Messages not yet taken by next(), and the one next() waiting, if any.
  const inbox: unknown[] = [];
  let wake: (() => void) | null = null;
  child.on('message', (message: unknown) => {
    inbox.push(message);
    wake?.();
  });
  void exited.then(() => wake?.());

  return {
    process: child,
    send(message) {
      // A child that already finished (a bounded client that reached its limit) needs no message.
      if (child.connected) child.send(message);
    },
    async next(what, accept, timeoutMs, onOther) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        while (inbox.length > 0) {
          const message = inbox.shift();
          if (accept(message)) return message;
          onOther?.(message);
        }
        if (failure !== null) throw new Error(`The benchmark child ${script} failed before sending ${what}`, { cause: failure });
        if (exit !== null) throw new Error(`The benchmark child ${script} ${exit} before sending ${what}`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`The benchmark child ${script} did not send ${what} within ${Math.round(timeoutMs / 1000)} s`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = null;
      }
    },
    async stop() {
      if (exit === null && child.pid !== undefined) {
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.kill('SIGTERM');
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/** Whether `message` is an object whose `type` is `type`. */
export function hasType(message: unknown, type: string): message is { type: string } & Record<string, unknown> {
  return typeof message === 'object' && message !== null && 'type' in message && message.type === type;
}

/** Sends `message` to the parent (the child was forked with IPC); resolves once it is handed over. */
export function sendToParent(message: object): Promise<void> {
  const send = process.send?.bind(process);
  if (send === undefined) throw new Error('This benchmark child must be started by bench/run.ts (it needs the IPC channel)');
  return new Promise((resolve, reject) => {
    send(message, undefined, {}, (error: Error | null) =>
      error ? reject(new Error('Could not send a message to the benchmark', { cause: error })) : resolve(),
    );
  });
}

/** Closes the IPC channel, so the child can exit once its work is done; nothing if already closed. */
export function disconnectFromParent(): void {
  if (process.connected) process.disconnect();
}
