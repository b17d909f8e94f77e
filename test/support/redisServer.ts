/** Private `redis-server` processes for tests: started on a free port, stopped by pid. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';

/** A redis-server this process started. */
export interface PrivateRedis {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** Stops it (SIGTERM, then SIGKILL) and removes its directory unless `keepDir`. */
  stop(options?: { keepDir?: boolean; signal?: NodeJS.Signals }): Promise<void>;
}

/** True when a Redis at `url` answers PING within a second. */
export async function pingRedis(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1000, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** A TCP port that was free a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts `redis-server` on a free port. With `appendonly`, it keeps an AOF in its directory, so a
 * restart on the same `dir` and `port` keeps the data (fault tests).
 */
export async function startPrivateRedis(options: { appendonly?: boolean; dir?: string; port?: number; replicaOf?: number } = {}): Promise<PrivateRedis> {
  const port = options.port ?? (await freePort());
  const dir = options.dir ?? (await mkdtemp(path.join(os.tmpdir(), 'ef-redis-')));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, '--appendonly', options.appendonly ? 'yes' : 'no'];
  // A replica of the redis-server on that port (the benchmark's REDIS_MIN_REPLICAS run).
  if (options.replicaOf !== undefined)
    args.push('--replicaof', '127.0.0.1', String(options.replicaOf), '--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0');
  if (options.appendonly) args.push('--appendfsync', 'always');
  let child: ChildProcess;
  try {
    child = spawn('redis-server', args, { stdio: 'ignore' });
  } catch (error) {
    throw new Error('Could not start redis-server for the tests. Install it (apt-get install -y redis-server) or set REDIS_URL to a running Redis.', {
      cause: error,
    });
  }
  const spawnFailure = new Promise<never>((_, reject) => {
    child.once('error', (error) =>
      reject(
        new Error('Could not start redis-server for the tests. Install it (apt-get install -y redis-server) or set REDIS_URL to a running Redis.', {
          cause: error,
        }),
      ),
    );
  });
  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  while (!(await Promise.race([pingRedis(url), spawnFailure]))) {
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server did not answer on port ${port} within 10 s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url,
    port,
    dir,
    async stop({ keepDir = false, signal = 'SIGTERM' } = {}) {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill(signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      if (!keepDir && options.dir === undefined) await rm(dir, { recursive: true, force: true });
    },
  };
}
