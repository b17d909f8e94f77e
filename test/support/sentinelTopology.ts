/**
 * A Redis Sentinel deployment for tests, on free loopback ports: a primary, one replica and three
 * Sentinels with quorum 2, each a `redis-server` process this helper started and stops by pid.
 *
 * The Sentinels are told about each other and about the replica in their configuration files
 * (fixed ids), instead of discovering them through hello messages every 2 s, so that a failover can
 * be agreed on as soon as the topology is up. Their timings are short (`down-after-milliseconds`
 * 500), so a dead primary is replaced in a few seconds.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { guard } from './childGuard.js';
import { pollUntil } from './faultPolling.js';
import { freePort } from './redisServer.js';

/** A host and port, as Sentinel names them and as ioredis takes them. */
export interface Address {
  readonly host: string;
  readonly port: number;
}

export interface SentinelTopologyOptions {
  /** The master name the Sentinels monitor; default `mymaster`. */
  readonly masterName?: string;
  /** A password for the data nodes (`requirepass`, `masterauth`, `sentinel auth-pass`). */
  readonly password?: string;
  /** How long the Sentinels wait before they call an unanswering node down; default 500 ms. */
  readonly downAfterMs?: number;
}

/** A running topology. */
export interface SentinelTopology {
  readonly masterName: string;
  readonly sentinels: readonly Address[];
  /** What REDIS_SENTINELS would say: `127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3`. */
  readonly sentinelsVariable: string;
  /** A REDIS_URL with the credentials and database 0; its host and port are unused with Sentinels. */
  readonly redisUrl: string;
  readonly password: string | undefined;
  /** The directory of its files (Sentinel configurations, dumps); removed by {@link stop}. */
  readonly dir: string;
  /** The port of the node this helper last saw as primary (the first one until a failover). */
  primaryPort(): number;
  /** The port of the other data node. */
  replicaPort(): number;
  /** The primary a Sentinel names now. */
  currentPrimary(): Promise<Address>;
  /** A new connection straight to a data node (not through Sentinel); the caller disconnects it. */
  connectTo(port: number): Redis;
  /** SIGKILLs the primary and waits until it has exited. */
  killPrimary(): Promise<void>;
  /**
   * Starts a killed data node again on its port; the Sentinels make it a replica of the current
   * primary. Resolves once the primary streams writes to it.
   */
  restartKilled(): Promise<void>;
  /**
   * SIGSTOPs the replica: it stays connected but applies and confirms nothing, so it lags. What the
   * primary writes next still lands in the replica's socket buffer and is applied on thaw, even if
   * the primary died meanwhile. `dropLink`: the primary also closes its replication connection
   * (CLIENT KILL TYPE replica), so nothing written from then on reaches the replica at all; the
   * way to lose a write in a failover.
   */
  freezeReplica(options?: { readonly dropLink?: boolean }): Promise<void>;
  /** SIGCONTs the replica. */
  thawReplica(): void;
  /**
   * SIGSTOPs the primary: its sockets stay open but nothing answers, like a hung host. The
   * Sentinels fail over after `downAfterMs` unless that is long.
   */
  freezePrimary(): void;
  /** SIGCONTs the node that was primary when {@link freezePrimary} was called. */
  thawPrimary(): void;
  /**
   * SIGSTOPs the Sentinel at `index` of {@link sentinels}: it still accepts connections (the kernel
   * does) but answers nothing, and {@link waitForFailover} no longer asks it. Returns its thaw.
   */
  freezeSentinel(index: number): () => void;
  /** The pids of the processes it started and that still run. */
  pids(): number[];
  /**
   * Polls until every Sentinel names one primary other than the one before and that node answers
   * ROLE as master; then that is {@link primaryPort}. Fails after `timeoutMs`.
   */
  waitForFailover(timeoutMs: number): Promise<Address>;
  /** Stops the processes it started (SIGCONT first, so a frozen one can exit), removes its directory. */
  stop(): Promise<void>;
}

const LOOPBACK = '127.0.0.1';
const STARTUP_TIMEOUT_MS = 10_000;

interface Node {
  readonly port: number;
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

function startProcess(args: readonly string[], port: number): Node {
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  guard(child);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  return { port, child, exited };
}

async function stopProcess(node: Node): Promise<void> {
  if (!isRunning(node.child)) return;
  // A stopped process does not act on SIGTERM until it runs again.
  node.child.kill('SIGCONT');
  node.child.kill('SIGTERM');
  const timer = setTimeout(() => node.child.kill('SIGKILL'), 3000);
  await node.exited;
  clearTimeout(timer);
}

/** One command on a short-lived connection that gives up at once instead of retrying. */
async function ask<T>(port: number, password: string | undefined, command: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis({
    host: LOOPBACK,
    port,
    password,
    lazyConnect: true,
    connectTimeout: 1000,
    commandTimeout: 1000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return await command(redis);
  } finally {
    redis.disconnect();
  }
}

function dataNodeArgs(port: number, dir: string, password: string | undefined): string[] {
  const args = ['--port', String(port), '--bind', LOOPBACK, '--dir', dir, '--dbfilename', `dump-${port}.rdb`];
  args.push('--save', '', '--appendonly', 'no', '--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0');
  if (password !== undefined) args.push('--requirepass', password, '--masterauth', password);
  return args;
}

interface SentinelFile {
  readonly port: number;
  readonly id: string;
}

function sentinelConf(
  self: SentinelFile,
  all: readonly SentinelFile[],
  master: { name: string; port: number; replicaPort: number },
  options: { downAfterMs: number; password: string | undefined; dir: string },
): string {
  const lines = [
    `port ${self.port}`,
    `bind ${LOOPBACK}`,
    `dir ${options.dir}`,
    `sentinel myid ${self.id}`,
    `sentinel monitor ${master.name} ${LOOPBACK} ${master.port} 2`,
    `sentinel down-after-milliseconds ${master.name} ${options.downAfterMs}`,
    // Also the wait before a second try when an election failed: short, so a split vote costs little.
    `sentinel failover-timeout ${master.name} 2000`,
    `sentinel parallel-syncs ${master.name} 1`,
    `sentinel known-replica ${master.name} ${LOOPBACK} ${master.replicaPort}`,
  ];
  if (options.password !== undefined) lines.push(`sentinel auth-pass ${master.name} ${options.password}`);
  for (const other of all) {
    if (other.id !== self.id) lines.push(`sentinel known-sentinel ${master.name} ${LOOPBACK} ${other.port} ${other.id}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The fields of a `SENTINEL MASTER` or `SENTINEL REPLICAS` entry, from its flat name/value list. */
function fieldsOf(flat: unknown): Record<string, string> {
  const record: Record<string, string> = {};
  if (!Array.isArray(flat)) return record;
  for (let index = 0; index + 1 < flat.length; index += 2) record[String(flat[index])] = String(flat[index + 1]);
  return record;
}

async function masterAddressFrom(sentinelPort: number, masterName: string): Promise<Address | null> {
  const reply = await ask(sentinelPort, undefined, (redis) => redis.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', masterName));
  if (!Array.isArray(reply) || reply.length < 2) return null;
  return { host: String(reply[0]), port: Number(reply[1]) };
}

async function roleOf(port: number, password: string | undefined): Promise<string | null> {
  try {
    const reply = await ask(port, password, (redis) => redis.call('ROLE'));
    return Array.isArray(reply) ? String(reply[0]) : null;
  } catch {
    return null;
  }
}

async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

/** Starts the topology and waits until the replica is in sync and every Sentinel sees everyone. */
export async function startSentinelTopology(options: SentinelTopologyOptions = {}): Promise<SentinelTopology> {
  const masterName = options.masterName ?? 'mymaster';
  const password = options.password;
  const downAfterMs = options.downAfterMs ?? 500;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ef-sentinel-'));
  const nodes: Node[] = [];
  const sentinelNodes: Node[] = [];
  const stopAll = async (): Promise<void> => {
    await Promise.all([...sentinelNodes, ...nodes].map(stopProcess));
    await rm(dir, { recursive: true, force: true });
  };

  try {
    const [primaryPort = 0, replicaPort = 0, ...sentinelPorts] = await distinctFreePorts(5);
    nodes.push(startProcess(dataNodeArgs(primaryPort, dir, password), primaryPort));
    nodes.push(startProcess([...dataNodeArgs(replicaPort, dir, password), '--replicaof', LOOPBACK, String(primaryPort)], replicaPort));
    await pollUntil('the replica in sync with the primary', STARTUP_TIMEOUT_MS, async () => {
      const info = await ask(replicaPort, password, (redis) => redis.info('replication'));
      return /master_link_status:up/.test(info);
    });

    const files = sentinelPorts.map((port) => ({ port, id: randomBytes(20).toString('hex') }));
    for (const file of files) {
      const confPath = path.join(dir, `sentinel-${file.port}.conf`);
      const conf = sentinelConf(file, files, { name: masterName, port: primaryPort, replicaPort }, { downAfterMs, password, dir });
      await writeFile(confPath, conf);
      sentinelNodes.push(startProcess([confPath, '--sentinel'], file.port));
    }
    await pollUntil('every Sentinel to see the primary, the replica and the other two', STARTUP_TIMEOUT_MS, async () => {
      for (const file of files) {
        const master = fieldsOf(await ask(file.port, undefined, (redis) => redis.call('SENTINEL', 'MASTER', masterName)));
        if (master.flags !== 'master' || master['num-slaves'] !== '1' || master['num-other-sentinels'] !== '2') return false;
        const replicas = await ask(file.port, undefined, (redis) => redis.call('SENTINEL', 'REPLICAS', masterName));
        if (!Array.isArray(replicas) || fieldsOf(replicas[0]).flags !== 'slave') return false;
      }
      return true;
    });
    // "link up" on the replica is not yet "streaming" on the primary: after a diskless sync the
    // primary holds back writes until the replica's first ACK (up to a second later), so a write
    // made before that could be missing on the replica. Wait until a propagated command is confirmed.
    await pollUntil('the primary to stream writes to the replica', STARTUP_TIMEOUT_MS, () =>
      ask(primaryPort, password, async (redis) => {
        await redis.publish('sentinel-topology:probe', 'sync');
        return (await redis.wait(1, 200)) === 1;
      }),
    );
  } catch (error) {
    await stopAll();
    throw new Error('Could not start the Sentinel topology (is redis-server 7 installed?)', { cause: error });
  }

  let primary = nodes[0];
  let frozenPrimary: Node | null = null;
  const frozenSentinels = new Set<Node>();
  const sentinels = sentinelNodes.map((node) => ({ host: LOOPBACK, port: node.port }));
  const nodeAt = (port: number): Node | undefined => nodes.find((node) => node.port === port);
  const replica = (): Node => nodes.find((node) => node !== primary) as Node;
  const credentials = password === undefined ? '' : `:${encodeURIComponent(password)}@`;

  return {
    masterName,
    sentinels,
    sentinelsVariable: sentinels.map((sentinel) => `${sentinel.host}:${sentinel.port}`).join(','),
    // A port nothing listens on: with Sentinels the URL's address must not matter.
    redisUrl: `redis://${credentials}${LOOPBACK}:1/0`,
    password,
    dir,
    primaryPort: () => primary.port,
    replicaPort: () => replica().port,
    async currentPrimary() {
      for (const node of sentinelNodes) {
        if (!isRunning(node.child)) continue;
        const address = await masterAddressFrom(node.port, masterName).catch(() => null);
        if (address !== null) return address;
      }
      throw new Error('No Sentinel named a primary');
    },
    connectTo(port) {
      const redis = new Redis({ host: LOOPBACK, port, password, maxRetriesPerRequest: 1 });
      redis.on('error', () => {});
      return redis;
    },
    async killPrimary() {
      primary.child.kill('SIGKILL');
      await primary.exited;
    },
    async restartKilled() {
      nodes.forEach((node, index) => {
        if (!isRunning(node.child)) nodes[index] = startProcess(dataNodeArgs(node.port, dir, password), node.port);
      });
      await pollUntil('the restarted node to replicate the primary', 30_000, () =>
        ask(primary.port, password, async (redis) => {
          await redis.publish('sentinel-topology:probe', 'sync');
          return (await redis.wait(1, 200)) === 1;
        }).catch(() => false),
      );
    },
    async freezeReplica({ dropLink = false } = {}) {
      replica().child.kill('SIGSTOP');
      if (dropLink) await ask(primary.port, password, (redis) => redis.call('CLIENT', 'KILL', 'TYPE', 'replica'));
    },
    thawReplica() {
      replica().child.kill('SIGCONT');
    },
    freezePrimary() {
      frozenPrimary = primary;
      primary.child.kill('SIGSTOP');
    },
    thawPrimary() {
      frozenPrimary?.child.kill('SIGCONT');
      frozenPrimary = null;
    },
    freezeSentinel(index) {
      const node = sentinelNodes[index];
      if (node === undefined) throw new Error(`There is no Sentinel ${index}; the topology has ${sentinelNodes.length}`);
      frozenSentinels.add(node);
      node.child.kill('SIGSTOP');
      return () => {
        frozenSentinels.delete(node);
        node.child.kill('SIGCONT');
      };
    },
    pids: () => [...nodes, ...sentinelNodes].filter((node) => isRunning(node.child)).flatMap((node) => (node.child.pid === undefined ? [] : [node.child.pid])),
    async waitForFailover(timeoutMs) {
      const before = primary.port;
      const address = await pollUntil(`the Sentinels to promote a new primary in place of port ${before}`, timeoutMs, async () => {
        const asked = sentinelNodes.filter((node) => !frozenSentinels.has(node));
        const named = await Promise.all(asked.map((node) => masterAddressFrom(node.port, masterName)));
        const first = named[0];
        if (first == null || first.port === before) return false;
        if (!named.every((address) => address?.port === first.port && address.host === first.host)) return false;
        return (await roleOf(first.port, password)) === 'master' ? first : false;
      });
      const promoted = nodeAt(address.port);
      if (promoted === undefined) throw new Error(`The Sentinels named port ${address.port}, which is no node of this topology`);
      primary = promoted;
      return address;
    },
    stop: stopAll,
  };
}
