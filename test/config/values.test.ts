/** The kinds of value (src/config/values.ts), through the variables that hold them: every accepted spelling and the bounds. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { configErrorOf, load } from './configFixture.js';

describe('loadConfig: accepted values', () => {
  it('reads every duration as seconds with decimals', () => {
    const config = load({
      EXECUTION_FAILOVER_TIMEOUT: '0.5',
      EXECUTION_FAILOVER_TIMEOUT_MAX: '1.25',
      EXECUTION_HEALTH_CHECK_INTERVAL: '0.1',
      IN_DOUBT_TIMEOUT: '2.5',
      LEADER_LEASE_SECONDS: '0.75',
      DEDUP_TTL_SECONDS: '0.5',
    });
    expect(config.policy.recoveryTimeoutSeconds).toBe(0.5);
    expect(config.policy.recoveryTimeoutMaxSeconds).toBe(1.25);
    expect(config.policy.healthCheckIntervalSeconds).toBe(0.1);
    expect(config.inDoubtTimeoutSeconds).toBe(2.5);
    expect(config.leaderLeaseSeconds).toBe(0.75);
    expect(config.dedupTtlSeconds).toBe(0.5);
  });

  it.each([
    ['true', true],
    ['TRUE', true],
    [' yes ', true],
    ['1', true],
    ['false', false],
    ['False', false],
    ['no', false],
    ['0', false],
  ])('reads the flag %j as %s', (raw, expected) => {
    expect(load({ EXECUTION_ENGINE_FAILOVER: raw }).policy.failoverEnabled).toBe(expected);
    expect(load({ EXECUTION_AUTO_RESUME: raw }).policy.autoResume).toBe(expected);
  });

  it('reads the queue kind and log level case-insensitively', () => {
    expect(load({ SIGNAL_QUEUE_KIND: 'LIST' }).signalQueueKind).toBe('list');
    expect(load({ SIGNAL_QUEUE_KIND: 'Stream' }).signalQueueKind).toBe('stream');
    expect(load({ LOG_LEVEL: 'DEBUG' }).logLevel).toBe('debug');
    expect(load({ LOG_LEVEL: 'silent' }).logLevel).toBe('silent');
  });

  it('reads whole numbers and the names of sections 3 to 5', () => {
    const config = load({
      REDIS_URL: 'rediss://user:secret@redis.example:6380/2',
      EXECUTION_FAILOVER_THRESHOLD: '3',
      EXECUTION_RECOVERY_SUCCESSES: '4',
      SIGNAL_QUEUE: 'nae.signals',
      SIGNAL_GROUP: 'g1',
      EXECUTION_EVENTS: 'ev',
      DEAD_LETTER_QUEUE: 'dead',
      SIGNAL_MAX_ATTEMPTS: '7',
      EXECUTION_CONCURRENCY: '32',
      ENGINE_TIMEOUT_MS: '250',
      PORT: '65535',
      ALERT_WEBHOOK_URL: 'https://hooks.example/alerts',
      INSPECT_WS_URL: 'ws://127.0.0.1:8080',
    });
    expect(config).toMatchObject({
      redisUrl: 'rediss://user:secret@redis.example:6380/2',
      signalQueue: 'nae.signals',
      signalGroup: 'g1',
      executionEvents: 'ev',
      deadLetterQueue: 'dead',
      signalMaxAttempts: 7,
      executionConcurrency: 32,
      engineTimeoutMs: 250,
      port: 65535,
      alertWebhookUrl: 'https://hooks.example/alerts',
      inspectWsUrl: 'ws://127.0.0.1:8080',
    });
    expect(config.policy.failureThreshold).toBe(3);
    expect(config.policy.recoverySuccesses).toBe(4);
  });

  it('lets engines be missing when they are not required (the demo supplies its own)', () => {
    const config = loadConfig({ ENGINE_NAUTILUS_TRADER_URL: 'sim://' }, { requireEngines: false });
    expect(config.engineUrls).toEqual({ nautilus_trader: 'sim://' });
  });
});

describe('loadConfig: bounds on what others can make the service hold', () => {
  it('reads INSPECT_MAX_CLIENTS, the inspector streams open at once', () => {
    expect(load({ INSPECT_MAX_CLIENTS: ' 3 ' }).inspectMaxClients).toBe(3);
    expect(load({ INSPECT_MAX_CLIENTS: '' }).inspectMaxClients).toBe(50);
  });

  it('reads CONSUMER_IDLE_REMOVE_SECONDS, decimals and times longer than a timer can wait included', () => {
    expect(load({ CONSUMER_IDLE_REMOVE_SECONDS: '0.5' }).consumerIdleRemoveSeconds).toBe(0.5);
    expect(load({ CONSUMER_IDLE_REMOVE_SECONDS: String(90 * 24 * 3600) }).consumerIdleRemoveSeconds).toBe(90 * 24 * 3600);
  });

  it('reads SIGNAL_STREAM_TRIM_INTERVAL, 60 s by default, refusing 0', () => {
    expect(load({}).streamTrimIntervalSeconds).toBe(60);
    expect(load({ SIGNAL_STREAM_TRIM_INTERVAL: '0.5' }).streamTrimIntervalSeconds).toBe(0.5);
    expect(configErrorOf(() => load({ SIGNAL_STREAM_TRIM_INTERVAL: '0' })).message).toMatch(/trim interval: a number of seconds greater than 0/);
  });
});
