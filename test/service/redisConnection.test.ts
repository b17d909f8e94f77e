/**
 * The service's Redis connection against real processes (contract section 10): a primary, a
 * replica and three Sentinels per test (test/support/sentinelTopology.ts), killed, frozen and
 * demoted for real. Each failover takes a few seconds, so each test has its own topology.
 */
import { Writable } from 'node:stream';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, type Logger } from '../../src/log.js';
import { connectionSession, connectRedis, replicasConfirming, waitForReplicas } from '../../src/service/redisConnection.js';
import { BLOCKING_READ_OPTIONS, createBlockingConnection, REPLY_GRACE_MS, type BlockingConnection } from '../../src/signals/blockingConnection.js';
import { pollUntil } from '../support/faultPolling.js';
import { startSentinelTopology, type SentinelTopology, type SentinelTopologyOptions } from '../support/sentinelTopology.js';

const FAILOVER_TIMEOUT_MS = 15_000;

interface LogLine {
  readonly level: string;
  readonly msg: string;
  readonly err?: { readonly message?: string };
}

/** A logger whose lines the test can read. */
function capturedLog(): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString('utf8').split('\n')) if (text !== '') lines.push(JSON.parse(text) as LogLine);
      done();
    },
  });
  return { log: createLogger('info', sink), lines };
}

let topology: SentinelTopology | undefined;
const cleanups: (() => void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  await topology?.stop();
  topology = undefined;
});

async function start(options?: SentinelTopologyOptions): Promise<SentinelTopology> {
  topology = await startSentinelTopology(options);
  return topology;
}

function sentinelClient(deployment: SentinelTopology, log: Logger, url = deployment.redisUrl): Redis {
  const redis = connectRedis({ url, sentinels: deployment.sentinels, sentinelMaster: deployment.masterName }, log);
  cleanups.push(() => redis.disconnect());
  return redis;
}

function direct(deployment: SentinelTopology, port: number): Redis {
  const redis = deployment.connectTo(port);
  cleanups.push(() => redis.disconnect());
  return redis;
}

function blockingOn(redis: Redis, given?: Redis): BlockingConnection {
  const blocking = createBlockingConnection(redis, given);
  cleanups.push(() => blocking.close());
  return blocking;
}

/** Writes until a write succeeds (commands fail fast while the primary is away); the failures. */
async function writeEventually(redis: Redis, key: string, value: string): Promise<number> {
  let failures = 0;
  await pollUntil(`a write of ${key} to succeed`, FAILOVER_TIMEOUT_MS, async () => {
    try {
      return (await redis.set(key, value)) === 'OK';
    } catch (error) {
      failures++;
      throw error;
    }
  });
  return failures;
}

/** Settles `read` into a value or an error, with the time it took from `since`. */
async function outcomeOf<T>(read: Promise<T>, since: number): Promise<{ value?: T; error?: Error; ms: number }> {
  try {
    return { value: await read, ms: Date.now() - since };
  } catch (error) {
    return { error: error as Error, ms: Date.now() - since };
  }
}

/** Waits until the server at `port` shows a client blocked in `command`. */
async function blockedOn(deployment: SentinelTopology, port: number, command: string): Promise<void> {
  const admin = direct(deployment, port);
  await pollUntil(`a blocked ${command} on port ${port}`, 5000, async () => String(await admin.client('LIST')).includes(`cmd=${command}`));
}

const readNew = (stream: string, blockMs: number) => (connection: Redis) =>
  connection.xreadgroup('GROUP', 'g', 'c', 'COUNT', 10, 'BLOCK', blockMs, 'STREAMS', stream, '>');

describe('connectRedis through Sentinel', () => {
  it('finds the primary through the Sentinels, with the credentials and database of REDIS_URL', async () => {
    const deployment = await start({ password: 'pa:ss@word' });
    const { log } = capturedLog();
    // Host and port of the URL point nowhere: only its credentials and database count.
    const redis = sentinelClient(deployment, log, `redis://:${encodeURIComponent('pa:ss@word')}@127.0.0.1:1/2`);
    expect(await redis.set('where', 'db2')).toBe('OK');
    expect(redis.stream.remotePort).toBe(deployment.primaryPort());
    const primary = direct(deployment, deployment.primaryPort());
    expect(await primary.get('where')).toBeNull();
    await primary.select(2);
    expect(await primary.get('where')).toBe('db2');

    // Without Sentinels the same options reach one Redis at the URL's address.
    const single = connectRedis(
      { url: `redis://:${encodeURIComponent('pa:ss@word')}@127.0.0.1:${deployment.primaryPort()}/2`, sentinels: [], sentinelMaster: 'mymaster' },
      log,
    );
    cleanups.push(() => single.disconnect());
    expect(await single.get('where')).toBe('db2');
  });

  it('carries on with the same client on the promoted replica after the primary is killed', async () => {
    const deployment = await start();
    const { log, lines } = capturedLog();
    const redis = sentinelClient(deployment, log);
    await redis.set('before', '1');
    expect(await waitForReplicas(redis, 1, 1000)).toBe(1);
    const replicaPort = deployment.replicaPort();

    const killedAt = Date.now();
    await deployment.killPrimary();
    const failures = await writeEventually(redis, 'after', '2');
    const tookMs = Date.now() - killedAt;

    expect(redis.stream.remotePort).toBe(replicaPort);
    expect((await deployment.waitForFailover(FAILOVER_TIMEOUT_MS)).port).toBe(replicaPort);
    const promoted = direct(deployment, replicaPort);
    expect(await promoted.mget('before', 'after')).toEqual(['1', '2']);
    // Fail fast during the failover, then one outage and one recovery in the log.
    expect(failures).toBeGreaterThan(0);
    expect(tookMs).toBeLessThan(FAILOVER_TIMEOUT_MS);
    expect(lines.filter((line) => line.level === 'error')).toHaveLength(1);
    expect(lines.filter((line) => line.msg === 'Redis connection restored')).toHaveLength(1);
    expect(lines.filter((line) => line.msg === 'Redis primary changed; following it')).toHaveLength(1);
  });

  it('ends a blocking XREADGROUP BLOCK when the primary dies, and reads from the promoted one after', async () => {
    const deployment = await start();
    const { log } = capturedLog();
    const redis = sentinelClient(deployment, log);
    await redis.xgroup('CREATE', 'signals', 'g', 0, 'MKSTREAM');
    const blocking = blockingOn(redis);
    const blockMs = 10_000;
    const startedAt = Date.now();
    const pending = blocking.read(readNew('signals', blockMs));
    await blockedOn(deployment, deployment.primaryPort(), 'xreadgroup');

    await deployment.killPrimary();
    const first = await outcomeOf(pending, startedAt);
    // Ended by the failure, well before its BLOCK time: an error, or nothing.
    expect(first.ms).toBeLessThan(blockMs / 2);
    expect(first.error ?? first.value ?? null).not.toBeUndefined();

    await deployment.waitForFailover(FAILOVER_TIMEOUT_MS);
    await pollUntil('an XADD on the promoted primary', FAILOVER_TIMEOUT_MS, () => redis.xadd('signals', '*', 'signal', 'after'));
    const next = await pollUntil('a read on the promoted primary', FAILOVER_TIMEOUT_MS, () => blocking.read(readNew('signals', 1000)));
    expect(JSON.stringify(next)).toContain('after');
  });

  it('ends reads on a primary that stops answering at BLOCK time plus the grace (XREADGROUP and BLMOVE)', async () => {
    // No failover: down-after is longer than the test, so only the client-side end can help.
    const deployment = await start({ downAfterMs: 60_000 });
    const { log } = capturedLog();
    const redis = sentinelClient(deployment, log);
    await redis.xgroup('CREATE', 'signals', 'g', 0, 'MKSTREAM');
    // As the queues' own duplicate, and without the blocking-read options: what reads did before.
    const [guardedRedis, plainRedis] = [redis.duplicate(BLOCKING_READ_OPTIONS), redis.duplicate()];
    for (const connection of [guardedRedis, plainRedis]) {
      connection.on('error', () => {});
      cleanups.push(() => connection.disconnect());
    }
    const blocking = blockingOn(redis, guardedRedis);
    const unguarded = blockingOn(redis, plainRedis);
    await pollUntil('both connections ready', 5000, () => guardedRedis.status === 'ready' && plainRedis.status === 'ready');

    // Frozen before the first read: the read's CLIENT ID request gets no answer either.
    deployment.freezePrimary();
    cleanups.unshift(() => deployment.thawPrimary());
    const startedAt = Date.now();
    let unguardedSettled = false;
    void unguarded.read(readNew('signals', 500)).finally(() => {
      unguardedSettled = true;
    });
    const stream = await outcomeOf(blocking.read(readNew('signals', 500)), startedAt);
    const list = await outcomeOf(
      blocking.read((connection) => connection.blmove('jobs', 'jobs:processing', 'RIGHT', 'LEFT', 0.5)),
      Date.now(),
    );

    for (const read of [stream, list]) {
      expect(read.error).toBeUndefined();
      expect(read.value).toBeNull();
    }
    for (const read of [stream, list]) {
      expect(read.ms).toBeGreaterThanOrEqual(500);
      expect(read.ms).toBeLessThan(500 + REPLY_GRACE_MS + 1000);
    }
    expect(unguardedSettled).toBe(false);

    deployment.thawPrimary();
    // The server now runs the reads it held; one still blocked would take the next entry, and
    // its reply would go to a read that already ended: wait until they are done.
    const admin = direct(deployment, deployment.primaryPort());
    await pollUntil('the held reads to end on the server', 5000, async () => !/ flags=b/.test(String(await admin.client('LIST'))));
    await redis.xadd('signals', '*', 'signal', 'after-thaw');
    const next = await pollUntil('a read after the thaw', 10_000, async () => {
      const reply = await blocking.read(readNew('signals', 1000));
      return reply === null ? false : reply;
    });
    expect(JSON.stringify(next)).toContain('after-thaw');
  });

  it('reconnects on READONLY from a demoted primary, and the write lands on the new one', async () => {
    const deployment = await start();
    const { log, lines } = capturedLog();
    const redis = sentinelClient(deployment, log);
    await redis.set('k', 'before');
    const [oldPort, newPort] = [deployment.primaryPort(), deployment.replicaPort()];

    // Demoted by hand, as an operator would, before the Sentinels know: the client is still on it.
    await direct(deployment, newPort).call('REPLICAOF', 'NO', 'ONE');
    await direct(deployment, oldPort).call('REPLICAOF', '127.0.0.1', String(newPort));
    const firstWrite = outcomeOf(redis.set('k', 'first'), Date.now());
    await direct(deployment, deployment.sentinels[0]?.port ?? 0).call('SENTINEL', 'FAILOVER', deployment.masterName);
    await firstWrite;

    const demotion = lines.find((line) => line.msg.startsWith('Redis primary was demoted'));
    expect(demotion?.err?.message).toMatch(/^READONLY/);
    expect((await deployment.waitForFailover(FAILOVER_TIMEOUT_MS)).port).toBe(newPort);
    await writeEventually(redis, 'k', 'after');
    expect(redis.stream.remotePort).toBe(newPort);
    expect(await direct(deployment, newPort).get('k')).toBe('after');
  });

  it('ends or resends a blocking read that the demotion UNBLOCKED, and reads from the new primary after', async () => {
    const deployment = await start();
    const { log, lines } = capturedLog();
    const redis = sentinelClient(deployment, log);
    await redis.xgroup('CREATE', 'signals', 'g', 0, 'MKSTREAM');
    const blocking = blockingOn(redis);
    const [oldPort, newPort] = [deployment.primaryPort(), deployment.replicaPort()];
    const blockMs = 10_000;
    const startedAt = Date.now();
    const first = outcomeOf(blocking.read(readNew('signals', blockMs)), startedAt);
    await blockedOn(deployment, oldPort, 'xreadgroup');

    await direct(deployment, newPort).call('REPLICAOF', 'NO', 'ONE');
    await direct(deployment, oldPort).call('REPLICAOF', '127.0.0.1', String(newPort));
    await direct(deployment, deployment.sentinels[0]?.port ?? 0).call('SENTINEL', 'FAILOVER', deployment.masterName);
    await deployment.waitForFailover(FAILOVER_TIMEOUT_MS);
    expect(lines.find((line) => line.msg.startsWith('Redis primary was demoted'))?.err?.message).toMatch(/^UNBLOCKED/);
    await pollUntil('an XADD on the new primary', FAILOVER_TIMEOUT_MS, () => redis.xadd('signals', '*', 'signal', 'after'));

    // Either the read failed while no primary was to be had, or it was resent to the new primary
    // and takes the entry there; either way long before its BLOCK time.
    const ended = await first;
    expect(ended.ms).toBeLessThan(blockMs);
    const taken = JSON.stringify(ended.value ?? null).includes('after')
      ? ended.value
      : await pollUntil('a read on the new primary', FAILOVER_TIMEOUT_MS, () => blocking.read(readNew('signals', 1000)));
    expect(JSON.stringify(taken)).toContain('after');
  });
});

describe('replica confirmation', () => {
  it('waitForReplicas: 1 with a healthy replica, 0 within the timeout while it is frozen', async () => {
    const deployment = await start();
    const redis = sentinelClient(deployment, capturedLog().log);
    await redis.set('k', '1');
    expect(await waitForReplicas(redis, 1, 500)).toBe(1);

    await deployment.freezeReplica();
    cleanups.unshift(() => deployment.thawReplica());
    await redis.set('k', '2');
    const startedAt = Date.now();
    expect(await waitForReplicas(redis, 1, 500)).toBe(0);
    const tookMs = Date.now() - startedAt;
    expect(tookMs).toBeGreaterThanOrEqual(450);
    expect(tookMs).toBeLessThan(1500);

    deployment.thawReplica();
    await redis.set('k', '3');
    expect(await waitForReplicas(redis, 1, 2000)).toBe(1);
  });

  it('waitForReplicas: a reconnect since the write answers 0, whatever WAIT says', async () => {
    const deployment = await start();
    const redis = sentinelClient(deployment, capturedLog().log);
    await redis.ping();
    const session = connectionSession(redis);
    await redis.set('k', '1');
    // The connection drops after the write; the client reconnects (here to the same primary).
    const ownId = await redis.client('ID');
    await direct(deployment, deployment.primaryPort()).call('CLIENT', 'KILL', 'ID', String(ownId));
    await pollUntil('the client to reconnect', 5000, () => connectionSession(redis) !== session && redis.status === 'ready');

    // WAIT on the new connection confirms what that server holds: after a failover, a primary that
    // may lack the write, while its replicas confirm. So the guarded count is 0.
    expect(await redis.wait(1, 500)).toBe(1);
    expect(await waitForReplicas(redis, 1, 500, { sinceSession: session })).toBe(0);
    expect(await waitForReplicas(redis, 1, 500, { sinceSession: connectionSession(redis) })).toBe(1);
  });

  it('replicasConfirming: 1 while the replica keeps up, 0 once it lags, 1 again after', async () => {
    const deployment = await start();
    const redis = sentinelClient(deployment, capturedLog().log);
    expect(await replicasConfirming(redis)).toBe(1);

    await deployment.freezeReplica();
    cleanups.unshift(() => deployment.thawReplica());
    await pollUntil('the frozen replica to stop counting', 6000, async () => (await replicasConfirming(redis)) === 0);

    deployment.thawReplica();
    await pollUntil('the thawed replica to count again', 6000, async () => (await replicasConfirming(redis)) === 1);
  });

  it('loses a write the replica never got when the primary dies: the case WAIT guards against', async () => {
    const deployment = await start();
    const redis = sentinelClient(deployment, capturedLog().log);
    await redis.set('confirmed', '1');
    expect(await waitForReplicas(redis, 1, 500)).toBe(1);

    await deployment.freezeReplica({ dropLink: true });
    await redis.set('unconfirmed', '1');
    expect(await waitForReplicas(redis, 1, 500)).toBe(0);
    await deployment.killPrimary();
    deployment.thawReplica();
    const promoted = await deployment.waitForFailover(FAILOVER_TIMEOUT_MS);

    await writeEventually(redis, 'after', '1');
    expect(redis.stream.remotePort).toBe(promoted.port);
    expect(await direct(deployment, promoted.port).mget('confirmed', 'unconfirmed', 'after')).toEqual(['1', null, '1']);
  });
});
