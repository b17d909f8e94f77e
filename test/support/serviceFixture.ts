/**
 * The set-up most service tests share: unique keys, a Redis client, three fake bridges, and
 * services started on them, all cleaned up after each test. Call it inside a `describe`.
 */
import { Redis } from 'ioredis';
import { afterEach, beforeEach } from 'vitest';
import type { EngineId } from '../../machines/engines.js';
import { startFakeBridge, type FakeBridge } from './fakeBridge.js';
import { deleteKeys, testRedisUrl, uniquePrefix } from './redis.js';
import { serviceKeys, startTestService, streamRecords, type QueueKind, type ServiceKeys, type TestService } from './service.js';

/** What a test reaches through the fixture; fresh for every test. */
export interface ServiceFixture {
  readonly keys: ServiceKeys;
  readonly redis: Redis;
  readonly bridges: Record<EngineId, FakeBridge>;
  /** Starts a service on this test's keys and bridges; `consumerName` makes a second instance. */
  start(env?: Record<string, string>, consumerName?: string): Promise<TestService>;
  /** Both outcome streams' entries, events first. */
  records(): Promise<Record<string, string>[]>;
}

/** Registers the hooks and returns a handle whose fields are valid inside a test. */
export function useServiceFixture(kind: QueueKind): ServiceFixture {
  let keys: ServiceKeys;
  let redis: Redis;
  let bridges: Record<EngineId, FakeBridge>;
  let services: TestService[] = [];

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

  return {
    get keys() {
      return keys;
    },
    get redis() {
      return redis;
    },
    get bridges() {
      return bridges;
    },
    async start(env = {}, consumerName) {
      const engineUrls = {
        lean_self_hosted: bridges.lean_self_hosted.url,
        quanttrader_pybroker: bridges.quanttrader_pybroker.url,
        nautilus_trader: bridges.nautilus_trader.url,
      };
      const service = await startTestService({
        redisUrl: testRedisUrl(),
        keys: consumerName === undefined ? keys : { ...keys, consumerName },
        kind,
        engineUrls,
        env,
      });
      services.push(service);
      return service;
    },
    async records() {
      const [events, dead] = await Promise.all([streamRecords(redis, keys.executionEvents), streamRecords(redis, keys.deadLetterQueue)]);
      return [...events, ...dead];
    },
  };
}
