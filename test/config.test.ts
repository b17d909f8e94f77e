/**
 * Configuration from the environment (contract sections 3 to 6): the defaults as the contract
 * writes them, every accepted spelling, and for each bad value a ConfigError naming the variable and
 * what it accepts.
 */
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, loadPolicySettings, type Config } from '../src/config.js';

const ENGINES = {
  ENGINE_LEAN_SELF_HOSTED_URL: 'http://127.0.0.1:9101',
  ENGINE_QUANTTRADER_PYBROKER_URL: 'https://engines.example:9102/api',
  ENGINE_NAUTILUS_TRADER_URL: 'sim://?latency_ms=5&fail_rate=0.1',
};

function load(env: Record<string, string | undefined>, requireEngines = true): Config {
  return loadConfig({ ...ENGINES, ...env }, { requireEngines });
}

/** The ConfigError `attempt` throws; fails the test when it throws nothing or something else. */
function configErrorOf(attempt: () => unknown): ConfigError {
  try {
    attempt();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw new Error(`expected a ConfigError, got ${String(error)}`, { cause: error });
  }
  throw new Error('expected a ConfigError, but the configuration was accepted');
}

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

describe('loadConfig: bad values name the variable and what it accepts', () => {
  it.each([
    ['EXECUTION_FAILOVER_TIMEOUT', 'abc', /seconds/],
    ['EXECUTION_FAILOVER_TIMEOUT', '0', /greater than 0/],
    ['EXECUTION_FAILOVER_TIMEOUT', '-5', /seconds/],
    ['EXECUTION_FAILOVER_TIMEOUT', '5s', /seconds/],
    ['EXECUTION_FAILOVER_TIMEOUT_MAX', '1h', /seconds/],
    ['EXECUTION_HEALTH_CHECK_INTERVAL', '0.0', /greater than 0/],
    ['IN_DOUBT_TIMEOUT', 'soon', /seconds/],
    ['LEADER_LEASE_SECONDS', '0', /greater than 0/],
    ['DEDUP_TTL_SECONDS', 'week', /seconds/],
    ['EXECUTION_FAILOVER_THRESHOLD', '0', /at least 1/],
    ['EXECUTION_FAILOVER_THRESHOLD', '2.5', /whole number/],
    ['EXECUTION_FAILOVER_THRESHOLD', 'five', /whole number/],
    ['EXECUTION_RECOVERY_SUCCESSES', '-1', /whole number/],
    ['SIGNAL_MAX_ATTEMPTS', '0', /at least 1/],
    ['EXECUTION_CONCURRENCY', 'many', /whole number/],
    ['ENGINE_TIMEOUT_MS', '1.5', /whole number/],
    ['PORT', '65536', /1 to 65535/],
    ['PORT', '0', /at least 1/],
    ['PORT', 'http', /whole number/],
    ['EXECUTION_ENGINE_FAILOVER', 'maybe', /true or false/],
    ['EXECUTION_AUTO_RESUME', 'on', /true or false/],
    ['SIGNAL_QUEUE_KIND', 'queue', /stream or list/],
    ['LOG_LEVEL', 'verbose', /fatal, error, warn, info, debug, trace, silent/],
    ['REDIS_URL', 'http://127.0.0.1:6379', /redis:\/\/ or rediss:\/\//],
    ['REDIS_URL', 'localhost:6379', /redis:\/\//],
    ['ALERT_WEBHOOK_URL', 'hooks.example/alerts', /http:\/\/ or https:\/\//],
    ['INSPECT_WS_URL', 'http://relay', /ws:\/\/ or wss:\/\//],
    ['INSPECT_MAX_CLIENTS', '0', /at least 1/],
    ['INSPECT_MAX_CLIENTS', 'lots', /open inspector streams: a whole number/],
    ['INSPECT_MAX_CLIENTS', '100001', /at most 100000/],
    ['CONSUMER_IDLE_REMOVE_SECONDS', '0', /idle time: a number of seconds greater than 0/],
    ['CONSUMER_IDLE_REMOVE_SECONDS', '1d', /idle time: a number of seconds/],
    ['ENGINE_LEAN_SELF_HOSTED_URL', 'ftp://engine', /http:\/\/ or https:\/\/ or sim:\/\//],
    ['ENGINE_NAUTILUS_TRADER_URL', 'not a url', /http:\/\//],
  ])('%s=%j', (variable, raw, accepts) => {
    const error = configErrorOf(() => load({ [variable]: raw }));
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(variable);
    expect(error.message).toContain(JSON.stringify(raw));
    expect(error.message).toMatch(accepts);
    expect(error.name).toBe('ConfigError');
  });

  it('keeps the validation error as the cause', () => {
    const error = configErrorOf(() => load({ PORT: 'x' }));
    expect(error.cause).toBeInstanceOf(Error);
  });

  it.each(Object.keys(ENGINES))('refuses a missing %s when engines are required', (variable) => {
    const env: Record<string, string | undefined> = { ...ENGINES, [variable]: undefined };
    const error = configErrorOf(() => loadConfig(env, { requireEngines: true }));
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(variable);
    expect(error.message).toMatch(/sim:\/\//);
  });

  it('refuses a blank engine URL when engines are required', () => {
    const error = configErrorOf(() => load({ ENGINE_QUANTTRADER_PYBROKER_URL: '  ' }));
    expect(error.variable).toBe('ENGINE_QUANTTRADER_PYBROKER_URL');
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

describe('loadConfig: no password in an error message', () => {
  it.each([
    ['REDIS_URL', 'http://user:hunter2@redis.example:6379'],
    ['REDIS_URL', 'redis://user:hunter2@[::1'],
    ['REDIS_URL', 'redis://:hunter2@redis.example:99999'],
    ['REDIS_URL', 'redis://:hunter2@redis.example:6379/not-a-db'],
    // A password holding the characters that end a URL's user part.
    ['REDIS_URL', 'redis://user:hun/ter2@redis.example:6379'],
    ['REDIS_URL', 'http://user:hun@ter#2@redis.example:6379'],
    ['REDIS_URL', '  redis://user:hunter2@'],
    ['REDIS_URL', 'user:hunter2@redis.example:6379'],
    ['ALERT_WEBHOOK_URL', 'ftp://user:hunter2@hooks.example'],
    ['ENGINE_LEAN_SELF_HOSTED_URL', 'ftp://user:hunter2@engine.example'],
  ])('%s=%s', (variable, raw) => {
    const error = configErrorOf(() => load({ [variable]: raw }));
    expect(error.variable).toBe(variable);
    for (const text of [error.message, String(error), JSON.stringify(error.cause), String(error.cause)]) {
      expect(text).not.toContain('hunter2');
      expect(text).not.toContain('ter2');
    }
    // The part after the credentials still says where it pointed.
    expect(error.message).toContain('***@');
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

describe('loadPolicySettings', () => {
  it('reads the policy variables alone, with no engine or HTTP variable needed', () => {
    expect(
      loadPolicySettings({
        EXECUTION_FAILOVER_THRESHOLD: '2',
        EXECUTION_FAILOVER_TIMEOUT: '1.5',
        EXECUTION_FAILOVER_TIMEOUT_MAX: '6',
        EXECUTION_ENGINE_FAILOVER: 'false',
        EXECUTION_RECOVERY_SUCCESSES: '3',
        EXECUTION_HEALTH_CHECK_INTERVAL: '0.25',
        EXECUTION_AUTO_RESUME: 'true',
        EXECUTION_FAILURE_RATE_THRESHOLD: '12.5',
        EXECUTION_FAILURE_RATE_WINDOW: '30',
        EXECUTION_FAILURE_RATE_MIN_CALLS: '7',
        EXECUTION_SLOW_CALL_MS: '4000',
        EXECUTION_SLOW_CALL_RATE_THRESHOLD: '80',
        HOST: '0.0.0.0',
      }),
    ).toEqual({
      failureThreshold: 2,
      recoveryTimeoutSeconds: 1.5,
      recoveryTimeoutMaxSeconds: 6,
      failoverEnabled: false,
      recoverySuccesses: 3,
      healthCheckIntervalSeconds: 0.25,
      autoResume: true,
      failureRateThreshold: 12.5,
      failureRateWindowSeconds: 30,
      failureRateMinCalls: 7,
      slowCallMs: 4000,
      slowCallRateThreshold: 80,
    });
  });

  it.each([
    ['EXECUTION_FAILURE_RATE_THRESHOLD', '0'],
    ['EXECUTION_FAILURE_RATE_THRESHOLD', '101'],
    ['EXECUTION_FAILURE_RATE_THRESHOLD', 'half'],
    ['EXECUTION_FAILURE_RATE_WINDOW', '0'],
    ['EXECUTION_FAILURE_RATE_MIN_CALLS', '2.5'],
    ['EXECUTION_SLOW_CALL_MS', '0'],
    ['EXECUTION_SLOW_CALL_MS', '1.5'],
    ['EXECUTION_SLOW_CALL_RATE_THRESHOLD', '150'],
  ])('refuses %s=%s with a ConfigError naming the variable', (name, raw) => {
    let thrown: unknown;
    try {
      loadPolicySettings({ [name]: raw });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect(thrown instanceof Error ? thrown.message : '').toContain(name);
  });

  it('accepts a maximum equal to the timeout', () => {
    const settings = loadPolicySettings({ EXECUTION_FAILOVER_TIMEOUT: '60', EXECUTION_FAILOVER_TIMEOUT_MAX: '60' });
    expect(settings.recoveryTimeoutMaxSeconds).toBe(60);
  });

  it('refuses a maximum recovery timeout below the timeout, naming the maximum', () => {
    const error = configErrorOf(() => loadPolicySettings({ EXECUTION_FAILOVER_TIMEOUT: '600', EXECUTION_FAILOVER_TIMEOUT_MAX: '300' }));
    expect(error.variable).toBe('EXECUTION_FAILOVER_TIMEOUT_MAX');
    expect(error.message).toContain('EXECUTION_FAILOVER_TIMEOUT');
    expect(error.message).toContain('600');
  });
});
