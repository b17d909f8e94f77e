/**
 * Failovers announced while a Sentinel client is reconnecting, against real processes: a primary
 * killed while the first Sentinel the client asks hangs (frozen: it accepts connections and
 * answers nothing), so that the other two promote the replica and announce it while the client is
 * still in the middle of asking. ioredis's own failover detector dropped that connect attempt, and
 * ioredis then ended the client for good ("Connection is closed."); the service then never spoke to
 * Redis again. The fault suite met it as a lab client that never reached the new primary.
 */
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { connectRedis, duplicateConnection } from '../../src/service/redisConnection.js';
import { pollUntil } from '../support/faultPolling.js';
import { startSentinelTopology, type SentinelTopology } from '../support/sentinelTopology.js';

const FAILOVER_TIMEOUT_MS = 15_000;

let topology: SentinelTopology | undefined;
const cleanups: (() => void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  await topology?.stop();
  topology = undefined;
});

/** A duplicate as the queues make one; its errors show in the commands that fail. */
function duplicateOf(redis: Redis): Redis {
  const duplicate = duplicateConnection(redis);
  duplicate.on('error', () => {});
  cleanups.push(() => duplicate.disconnect());
  return duplicate;
}

function sentinelClient(deployment: SentinelTopology): Redis {
  const redis = connectRedis({ url: deployment.redisUrl, sentinels: deployment.sentinels, sentinelMaster: deployment.masterName }, createLogger('silent'));
  cleanups.push(() => redis.disconnect());
  return redis;
}

/** Writes until one succeeds; fails with the last error when none does in time. */
async function writeEventually(redis: Redis, key: string): Promise<void> {
  await pollUntil(`a write of ${key} to reach the promoted replica`, FAILOVER_TIMEOUT_MS, async () => (await redis.set(key, 'after')) === 'OK');
}

/** A topology, a Sentinel client on it and a duplicate of that client, both ready. */
async function connectedTopology(): Promise<{ deployment: SentinelTopology; redis: Redis; duplicate: Redis; replicaPort: number }> {
  topology = await startSentinelTopology();
  const redis = sentinelClient(topology);
  const duplicate = duplicateOf(redis);
  await redis.set('before', '1');
  await pollUntil('the duplicate to be ready', 5000, () => duplicate.status === 'ready');
  return { deployment: topology, redis, duplicate, replicaPort: topology.replicaPort() };
}

describe('Sentinel failovers announced while the client reconnects', () => {
  it('reaches the promoted replica although the first Sentinel asked hangs and the failover is announced meanwhile', async () => {
    const { deployment, redis, duplicate: blocking, replicaPort } = await connectedTopology();

    cleanups.unshift(deployment.freezeSentinel(0));
    await deployment.killPrimary();
    expect((await deployment.waitForFailover(FAILOVER_TIMEOUT_MS)).port).toBe(replicaPort);

    await writeEventually(redis, 'after');
    await writeEventually(blocking, 'after-duplicate');
    expect(redis.stream.remotePort).toBe(replicaPort);
    expect(blocking.stream.remotePort).toBe(replicaPort);
    expect(redis.status).toBe('ready');
  });

  it('leaves a frozen primary for the promoted replica when the Sentinels announce the failover', async () => {
    const { deployment, redis, duplicate, replicaPort } = await connectedTopology();

    // Frozen, its sockets stay open: nothing but the announcement tells a client to leave it.
    deployment.freezePrimary();
    cleanups.unshift(() => deployment.thawPrimary());
    expect((await deployment.waitForFailover(FAILOVER_TIMEOUT_MS)).port).toBe(replicaPort);

    for (const connection of [redis, duplicate]) {
      await pollUntil('the client to follow the announcement to the new primary', FAILOVER_TIMEOUT_MS, () => connection.stream.remotePort === replicaPort);
      await writeEventually(connection, 'after');
    }
  });
});
