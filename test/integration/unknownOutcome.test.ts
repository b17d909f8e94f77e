/**
 * Unknown outcomes (contract section 3): an engine that took a signal and gave no answer settles it
 * (GET /orders/{id}) before the signal may go anywhere else; unsettled after IN_DOUBT_TIMEOUT it is
 * dead-lettered as in_doubt with an alert; meanwhile the signals behind it go on.
 */
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EngineId } from '../../machines/engines.js';
import { startFakeBridge, type FakeBridge } from '../helpers/fakeBridge.js';
import { deleteKeys, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { eventually, produce, serviceKeys, signalJson, startTestService, streamRecords, type ServiceKeys, type TestService } from '../helpers/service.js';

let keys: ServiceKeys;
let redis: Redis;
let bridges: Record<EngineId, FakeBridge>;
let services: TestService[];

beforeEach(async () => {
  keys = serviceKeys(uniquePrefix());
  redis = new Redis(testRedisUrl());
  services = [];
  const [primary, backup1, backup2] = await Promise.all([startFakeBridge(), startFakeBridge(), startFakeBridge()]);
  bridges = { lean_self_hosted: primary, quanttrader_pybroker: backup1, nautilus_trader: backup2 };
});

afterEach(async () => {
  await Promise.all(services.map((service) => service.stop()));
  await Promise.all(Object.values(bridges).map((bridge) => bridge.close()));
  await deleteKeys(redis, keys.prefix);
  await redis.quit();
});

async function start(env: Record<string, string> = {}): Promise<TestService> {
  const engineUrls = { lean_self_hosted: bridges.lean_self_hosted.url, quanttrader_pybroker: bridges.quanttrader_pybroker.url, nautilus_trader: bridges.nautilus_trader.url };
  const service = await startTestService({ redisUrl: testRedisUrl(), keys, kind: 'stream', engineUrls, env });
  services.push(service);
  return service;
}

const posts = (bridge: FakeBridge): number => bridge.requests.filter((request) => request.method === 'POST').length;

async function outcomeOf(signalId: string): Promise<Record<string, string> | undefined> {
  const records = [...(await streamRecords(redis, keys.executionEvents)), ...(await streamRecords(redis, keys.deadLetterQueue))];
  return records.find((record) => record.signal_id === signalId);
}

describe('a signal whose outcome is unknown', () => {
  it('is recorded executed on the engine that took it, once it says so, and is sent nowhere else', async () => {
    await bridges.lean_self_hosted.setMode('hang-after-execute');
    // Threshold 1: the unknown outcome trips the primary, so a careless retry would go to backup 1.
    await start({ EXECUTION_FAILOVER_THRESHOLD: '1' });
    await produce(redis, keys, 'stream', signalJson('in-flight-1'));
    const outcome = await eventually('the outcome', () => outcomeOf('in-flight-1'), 8000);
    expect(outcome).toMatchObject({ outcome: 'executed', engine: 'lean_self_hosted', attempts: '1' });
    expect(JSON.parse(outcome.report ?? 'null')).toEqual(bridges.lean_self_hosted.executed.get('in-flight-1'));
    expect(posts(bridges.quanttrader_pybroker) + posts(bridges.nautilus_trader)).toBe(0);
    expect(bridges.lean_self_hosted.requests.some((request) => request.path === '/orders/in-flight-1')).toBe(true);
  });

  it('is retried elsewhere once the engine that took it says it never executed it', async () => {
    await bridges.lean_self_hosted.setMode('hang');
    await start({ EXECUTION_FAILOVER_THRESHOLD: '1' });
    await produce(redis, keys, 'stream', signalJson('never-placed'));
    // The hung primary answers no lookup either; once it is back it says 404, freeing the signal.
    await eventually('the first attempt to reach the primary', () => posts(bridges.lean_self_hosted) === 1);
    await bridges.lean_self_hosted.setMode('ok');
    const outcome = await eventually('the outcome', () => outcomeOf('never-placed'), 8000);
    expect(outcome).toMatchObject({ outcome: 'executed', engine: 'quanttrader_pybroker', attempts: '2' });
    expect(bridges.lean_self_hosted.executed.has('never-placed')).toBe(false);
    expect(bridges.quanttrader_pybroker.executed.has('never-placed')).toBe(true);
  });

  it('goes to the dead-letter as in_doubt with an alert when it stays unknown, without holding up the next signal', async () => {
    await bridges.lean_self_hosted.setMode('hang');
    const service = await start({ EXECUTION_FAILOVER_THRESHOLD: '1', IN_DOUBT_TIMEOUT: '1' });
    await produce(redis, keys, 'stream', signalJson('stuck', { symbol: 'MSFT' }));
    await eventually('the first attempt', () => posts(bridges.lean_self_hosted) === 1);
    // The same symbol right behind it: it must not wait for the stuck one to settle.
    await produce(redis, keys, 'stream', signalJson('behind', { symbol: 'MSFT' }));
    const behind = await eventually('the signal behind it', () => outcomeOf('behind'), 5000);
    expect(behind).toMatchObject({ outcome: 'executed', engine: 'quanttrader_pybroker' });
    expect(await outcomeOf('stuck')).toBeUndefined();
    const stuck = await eventually('the in-doubt outcome', () => outcomeOf('stuck'), 8000);
    expect(stuck).toMatchObject({ outcome: 'in_doubt', engine: 'lean_self_hosted', attempts: '1' });
    expect(stuck.reason).toMatch(/reconcile/);
    expect(service.logs.some((line) => String(line.msg).startsWith('ALERT in_doubt'))).toBe(true);
    expect(bridges.quanttrader_pybroker.executed.has('stuck')).toBe(false);
  });
});
