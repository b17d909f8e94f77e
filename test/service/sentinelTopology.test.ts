/**
 * The Sentinel topology helper itself: what it starts, that its failover and freezing do what
 * the connection tests rely on, and that it leaves no process or directory behind, even when the
 * test process is killed.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { pollUntil } from '../support/faultPolling.js';
import { startSentinelTopology, type SentinelTopology } from '../support/sentinelTopology.js';

let topology: SentinelTopology | undefined;
const clients: Redis[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.disconnect();
  await topology?.stop();
  topology = undefined;
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function connect(deployment: SentinelTopology, port: number): Redis {
  const client = deployment.connectTo(port);
  clients.push(client);
  return client;
}

/** PING that gives up after `ms` instead of waiting for a frozen server. */
async function answers(deployment: SentinelTopology, port: number, ms: number): Promise<boolean> {
  const client = new Redis({ host: '127.0.0.1', port, password: deployment.password, commandTimeout: ms, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

describe('startSentinelTopology', () => {
  it('starts a primary, its replica and three Sentinels that agree on the primary', async () => {
    const deployment = (topology = await startSentinelTopology());
    expect(deployment.masterName).toBe('mymaster');
    expect(deployment.sentinels).toHaveLength(3);
    expect(deployment.sentinelsVariable).toBe(deployment.sentinels.map(({ host, port }) => `${host}:${port}`).join(','));
    expect(deployment.pids()).toHaveLength(5);
    expect(await deployment.currentPrimary()).toEqual({ host: '127.0.0.1', port: deployment.primaryPort() });

    const replicaRole = (await connect(deployment, deployment.replicaPort()).call('ROLE')) as unknown[];
    expect(replicaRole.slice(0, 4)).toEqual(['slave', '127.0.0.1', deployment.primaryPort(), 'connected']);
    // Writes reach the replica from the start.
    const primary = connect(deployment, deployment.primaryPort());
    await primary.set('k', 'v');
    expect(await primary.wait(1, 1000)).toBe(1);
  });

  it('promotes the replica after killPrimary, and waitForFailover reports it', async () => {
    const deployment = (topology = await startSentinelTopology());
    const [oldPrimary, replica] = [deployment.primaryPort(), deployment.replicaPort()];
    await deployment.killPrimary();
    expect(deployment.pids()).toHaveLength(4);
    expect(await deployment.waitForFailover(15_000)).toEqual({ host: '127.0.0.1', port: replica });
    expect(deployment.primaryPort()).toBe(replica);
    expect(deployment.primaryPort()).not.toBe(oldPrimary);
    expect(await deployment.currentPrimary()).toEqual({ host: '127.0.0.1', port: replica });
    expect(((await connect(deployment, replica).call('ROLE')) as unknown[])[0]).toBe('master');
  });

  it('freezes and thaws the replica and the primary', async () => {
    const deployment = (topology = await startSentinelTopology({ downAfterMs: 60_000 }));
    await deployment.freezeReplica();
    expect(await answers(deployment, deployment.replicaPort(), 300)).toBe(false);
    deployment.thawReplica();
    expect(await answers(deployment, deployment.replicaPort(), 2000)).toBe(true);
    deployment.freezePrimary();
    expect(await answers(deployment, deployment.primaryPort(), 300)).toBe(false);
    deployment.thawPrimary();
    expect(await answers(deployment, deployment.primaryPort(), 2000)).toBe(true);
  });

  it('puts the password on the data nodes and in redisUrl', async () => {
    const deployment = (topology = await startSentinelTopology({ password: 's3:cr@t' }));
    expect(deployment.redisUrl).toBe(`redis://:${encodeURIComponent('s3:cr@t')}@127.0.0.1:1/0`);
    const anonymous = new Redis({ host: '127.0.0.1', port: deployment.primaryPort(), maxRetriesPerRequest: 0, retryStrategy: () => null });
    anonymous.on('error', () => {});
    clients.push(anonymous);
    await expect(anonymous.get('k')).rejects.toThrow(/NOAUTH/);
    expect(await connect(deployment, deployment.primaryPort()).ping()).toBe('PONG');
  });

  it('stop() ends every process it started, even a frozen one, and removes its directory', async () => {
    const deployment = await startSentinelTopology();
    const pids = deployment.pids();
    await deployment.freezeReplica();
    await deployment.stop();
    expect(pids.filter(isAlive)).toEqual([]);
    expect(existsSync(deployment.dir)).toBe(false);
  });

  it('leaves no process behind when the test process is killed', async () => {
    const scratch = await mkdtemp(path.join(os.tmpdir(), 'ef-topology-orphan-'));
    try {
      const helper = fileURLToPath(new URL('../support/sentinelTopology.ts', import.meta.url));
      const script = path.join(scratch, 'start.mts');
      await writeFile(
        script,
        `import { startSentinelTopology } from ${JSON.stringify(helper)};\n` +
          `const deployment = await startSentinelTopology();\n` +
          `process.stdout.write(JSON.stringify({ pids: deployment.pids(), dir: deployment.dir }) + '\\n');\n` +
          `setInterval(() => {}, 1000);\n`,
      );
      const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
      });
      const started = await pollUntil('the child to start a topology', 20_000, () => {
        const line = output.split('\n')[0];
        return output.includes('\n') && line !== undefined ? (JSON.parse(line) as { pids: number[]; dir: string }) : false;
      });
      expect(started.pids).toHaveLength(5);
      child.kill('SIGKILL');
      await pollUntil('the topology to die with its test process', 10_000, () => started.pids.every((pid) => !isAlive(pid)));
      // Only stop() removes the directory: a killed process leaves it, so this test does.
      await rm(started.dir, { recursive: true, force: true });
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });
});
