/**
 * loadConfig (contract sections 3 to 6 and 10): the defaults as the contract writes them, the Redis
 * high-availability variables, and HOST with ADMIN_TOKEN.
 */
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { ENGINES, configErrorOf, load } from './configFixture.js';

describe('loadConfig: defaults', () => {
  it('takes every default of the contract when the environment names only the engines', () => {
    const config = load({});
    expect(config).toMatchObject({
      redisUrl: 'redis://127.0.0.1:6379',
      redisSentinels: [],
      redisSentinelMaster: 'mymaster',
      redisMinReplicas: 0,
      redisWaitTimeoutMs: 500,
      signalQueue: 'execution.signals',
      signalQueueKind: 'stream',
      signalGroup: 'execution-manager',
      executionEvents: 'execution.events',
      deadLetterQueue: 'execution.signals.dead',
      signalMaxAttempts: 20,
      inDoubtTimeoutSeconds: 60,
      dedupTtlSeconds: 7 * 24 * 3600,
      executionConcurrency: 8,
      engineTimeoutMs: 5000,
      host: '127.0.0.1',
      port: 8001,
      adminToken: undefined,
      alertWebhookUrl: undefined,
      logLevel: 'info',
      leaderLeaseSeconds: 10,
      auditStream: 'execution.audit',
      inspectWsUrl: undefined,
      inspectMaxClients: 50,
      consumerIdleRemoveSeconds: 86400,
    });
    expect(config.policy).toEqual({
      failureThreshold: 5,
      recoveryTimeoutSeconds: 300,
      recoveryTimeoutMaxSeconds: 3600,
      failoverEnabled: true,
      recoverySuccesses: 2,
      healthCheckIntervalSeconds: 10,
      autoResume: false,
      failureRateThreshold: null,
      failureRateWindowSeconds: 60,
      failureRateMinCalls: 20,
      slowCallMs: null,
      slowCallRateThreshold: 50,
    });
  });

  it('names the consumer <hostname>:<PORT> by default, following PORT', () => {
    expect(load({}).consumerName).toBe(`${os.hostname()}:8001`);
    expect(load({ PORT: '9000' }).consumerName).toBe(`${os.hostname()}:9000`);
    expect(load({ PORT: '9000', CONSUMER_NAME: 'exec-a' }).consumerName).toBe('exec-a');
  });

  it('treats an empty or blank variable as unset', () => {
    const config = load({ PORT: '', EXECUTION_FAILOVER_THRESHOLD: '   ', SIGNAL_QUEUE: '', CONSUMER_NAME: ' ' });
    expect(config.port).toBe(8001);
    expect(config.policy.failureThreshold).toBe(5);
    expect(config.signalQueue).toBe('execution.signals');
    expect(config.consumerName).toBe(`${os.hostname()}:8001`);
  });

  it('keeps the engine URLs it was given', () => {
    expect(load({}).engineUrls).toEqual({
      lean_self_hosted: ENGINES.ENGINE_LEAN_SELF_HOSTED_URL,
      quanttrader_pybroker: ENGINES.ENGINE_QUANTTRADER_PYBROKER_URL,
      nautilus_trader: ENGINES.ENGINE_NAUTILUS_TRADER_URL,
    });
  });

  it('returns a frozen configuration', () => {
    const config = load({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.policy)).toBe(true);
  });
});

describe('loadConfig: Redis high availability (section 10)', () => {
  it('reads the Sentinels as host and port, IPv6 without its brackets, in the order given', () => {
    const config = load({ REDIS_SENTINELS: ' 10.0.0.5:26379, sentinel-b.internal:26380 ,[::1]:26381,[2001:db8::7]:1' });
    expect(config.redisSentinels).toEqual([
      { host: '10.0.0.5', port: 26379 },
      { host: 'sentinel-b.internal', port: 26380 },
      { host: '::1', port: 26381 },
      { host: '2001:db8::7', port: 1 },
    ]);
    expect(Object.isFrozen(config.redisSentinels)).toBe(true);
    expect(Object.isFrozen(config.redisSentinels[0])).toBe(true);
  });

  it('reads the master name, the replica count and the WAIT timeout', () => {
    const config = load({
      REDIS_SENTINELS: '127.0.0.1:26379',
      REDIS_SENTINEL_MASTER: ' orders ',
      REDIS_MIN_REPLICAS: '2',
      REDIS_WAIT_TIMEOUT_MS: '1500',
    });
    expect(config).toMatchObject({ redisSentinelMaster: 'orders', redisMinReplicas: 2, redisWaitTimeoutMs: 1500 });
  });

  it('treats blank Sentinel variables as unset', () => {
    const config = load({ REDIS_SENTINELS: '  ', REDIS_SENTINEL_MASTER: '', REDIS_MIN_REPLICAS: ' ', REDIS_WAIT_TIMEOUT_MS: '' });
    expect(config).toMatchObject({ redisSentinels: [], redisSentinelMaster: 'mymaster', redisMinReplicas: 0, redisWaitTimeoutMs: 500 });
  });

  it('accepts 0 replicas said outright, and replicas without Sentinels (WAIT works on any primary)', () => {
    expect(load({ REDIS_MIN_REPLICAS: '0' }).redisMinReplicas).toBe(0);
    expect(load({ REDIS_MIN_REPLICAS: '1' })).toMatchObject({ redisMinReplicas: 1, redisSentinels: [] });
  });

  it.each(['redis://127.0.0.1:6379/', 'redis://127.0.0.1:6379/15', 'rediss://user:pw@redis.example:6380'])('accepts REDIS_URL %s', (redisUrl) => {
    expect(load({ REDIS_URL: redisUrl }).redisUrl).toBe(redisUrl);
  });

  it.each([
    ['REDIS_SENTINELS', '127.0.0.1:26379,,127.0.0.1:26380', /entry 2 is empty/],
    ['REDIS_SENTINELS', '127.0.0.1:26379,', /entry 2 is empty/],
    ['REDIS_SENTINELS', ',', /entry 1 is empty/],
    ['REDIS_SENTINELS', '127.0.0.1', /"127.0.0.1" is no host:port/],
    ['REDIS_SENTINELS', '127.0.0.1:0', /port 0, not from 1 to 65535/],
    ['REDIS_SENTINELS', '127.0.0.1:65536', /port 65536, not from 1 to 65535/],
    ['REDIS_SENTINELS', `127.0.0.1:${'9'.repeat(40)}`, /not from 1 to 65535/],
    ['REDIS_SENTINELS', '127.0.0.1:-1', /no host:port/],
    ['REDIS_SENTINELS', '127.0.0.1:26379x', /no host:port/],
    ['REDIS_SENTINELS', ':26379', /no host:port/],
    ['REDIS_SENTINELS', '::1:26379', /IPv6 address goes in brackets/],
    ['REDIS_SENTINELS', '[not-ipv6]:26379', /no IPv6 address in its brackets/],
    ['REDIS_SENTINELS', '[::1]', /no host:port/],
    ['REDIS_SENTINELS', 'redis://127.0.0.1:26379', /a URL, not host:port/],
    ['REDIS_SENTINELS', 'my host:26379', /no host:port/],
    ['REDIS_SENTINEL_MASTER', '   ', null],
    ['REDIS_MIN_REPLICAS', '-1', /whole number from 0/],
    ['REDIS_MIN_REPLICAS', '1.5', /whole number from 0/],
    ['REDIS_MIN_REPLICAS', 'one', /whole number from 0/],
    ['REDIS_MIN_REPLICAS', '9007199254740992', /at most 9007199254740991/],
    ['REDIS_WAIT_TIMEOUT_MS', '0', /at least 1/],
    ['REDIS_WAIT_TIMEOUT_MS', '0.5', /whole number/],
    ['REDIS_WAIT_TIMEOUT_MS', '2147483648', /at most 2147483647/],
    ['REDIS_URL', 'redis://127.0.0.1:6379/zero', /database number/],
    ['REDIS_URL', 'redis://127.0.0.1:6379/1/2', /database number/],
  ])('%s=%j', (variable, raw, accepts) => {
    if (accepts === null) {
      // Blank is unset: the default, not an error.
      expect(load({ [variable]: raw }).redisSentinelMaster).toBe('mymaster');
      return;
    }
    const error = configErrorOf(() => load({ [variable]: raw }));
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(variable);
    expect(error.message).toContain(JSON.stringify(raw));
    expect(error.message).toMatch(accepts);
  });

  it('says what REDIS_SENTINELS accepts', () => {
    const error = configErrorOf(() => load({ REDIS_SENTINELS: 'sentinel' }));
    expect(error.message).toMatch(/comma-separated list of host:port/);
    expect(error.message).toMatch(/\[::1\]:26379/);
    expect(error.message).toMatch(/1 to 65535/);
  });
});

describe('loadConfig: HOST and ADMIN_TOKEN', () => {
  it.each(['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]'])('serves loopback %s without a token', (host) => {
    const config = load({ HOST: host });
    expect(config.host).toBe(host);
    expect(config.adminToken).toBeUndefined();
  });

  it.each(['0.0.0.0', '::', '10.0.0.5', 'exec.internal', '127.0.0.1.example.com'])('refuses non-loopback %s without ADMIN_TOKEN, naming both', (host) => {
    const error = configErrorOf(() => load({ HOST: host }));
    expect(error.variable).toBe('ADMIN_TOKEN');
    expect(error.message).toContain('ADMIN_TOKEN');
    expect(error.message).toContain(host);
  });

  it('refuses a blank ADMIN_TOKEN on a non-loopback HOST', () => {
    expect(configErrorOf(() => load({ HOST: '0.0.0.0', ADMIN_TOKEN: '   ' })).variable).toBe('ADMIN_TOKEN');
  });

  it('serves a non-loopback HOST with a token', () => {
    const config = load({ HOST: '0.0.0.0', ADMIN_TOKEN: 's3cret-of-sixteen' });
    expect(config.host).toBe('0.0.0.0');
    expect(config.adminToken).toBe('s3cret-of-sixteen');
  });

  it('reads OUTCOME_STREAM_MAXLEN as a whole number, unset by default, and refuses anything else naming it', () => {
    expect(load({}).outcomeStreamMaxLen).toBeUndefined();
    expect(load({ OUTCOME_STREAM_MAXLEN: '1000000' }).outcomeStreamMaxLen).toBe(1_000_000);
    for (const bad of ['0', '-5', '1.5', 'lots']) expect(() => load({ OUTCOME_STREAM_MAXLEN: bad })).toThrow(/OUTCOME_STREAM_MAXLEN/);
  });

  it("reads each engine's ENGINE_<ID>_MAX_ORDERS_PER_SECOND, decimals included, unset meaning no limit", () => {
    expect(load({}).maxOrdersPerSecond).toEqual({});
    const config = load({
      ENGINE_LEAN_SELF_HOSTED_MAX_ORDERS_PER_SECOND: '10',
      ENGINE_NAUTILUS_TRADER_MAX_ORDERS_PER_SECOND: ' 0.5 ',
      ENGINE_QUANTTRADER_PYBROKER_MAX_ORDERS_PER_SECOND: '',
    });
    expect(config.maxOrdersPerSecond).toEqual({ lean_self_hosted: 10, nautilus_trader: 0.5 });
  });

  it("refuses an order rate that is not a positive number, naming the engine's variable", () => {
    for (const bad of ['0', '0.0', '-1', 'ten', '1e3', '2000000']) {
      const error = configErrorOf(() => load({ ENGINE_QUANTTRADER_PYBROKER_MAX_ORDERS_PER_SECOND: bad }));
      expect(error.variable).toBe('ENGINE_QUANTTRADER_PYBROKER_MAX_ORDERS_PER_SECOND');
      expect(error.message).toMatch(/ENGINE_QUANTTRADER_PYBROKER_MAX_ORDERS_PER_SECOND.*orders per second/);
    }
  });

  it('refuses a token shorter than 16 characters on a non-loopback HOST, naming ADMIN_TOKEN and not printing it', () => {
    expect(() => load({ HOST: '0.0.0.0', ADMIN_TOKEN: 's3cret' })).toThrow(/ADMIN_TOKEN is too short: at least 16 characters/);
    try {
      load({ HOST: '0.0.0.0', ADMIN_TOKEN: 's3cret' });
    } catch (error) {
      expect(error).toMatchObject({ variable: 'ADMIN_TOKEN' });
      expect(String(error)).not.toContain('s3cret');
    }
    // On loopback a short token is the operator's business.
    expect(load({ ADMIN_TOKEN: 's3cret' }).adminToken).toBe('s3cret');
  });
});
