/**
 * Property tests of the configuration (contract section 6) on random environments built from the
 * real variable names and junk values: every environment gives a usable `Config` or a
 * `ConfigError` naming a real variable (the one at fault when only one is bad), accepted values are
 * the ones given (or the contract's defaults), and nothing accepted is unusable later (Infinity, a
 * timer too long to set, a count past exact integers).
 */
import { BlockList, isIP, isIPv4 } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config/config.js';
import { loadPolicySettings } from '../../src/config/policySettings.js';
import { ConfigError } from '../../src/config/variables.js';
import type { PolicySettings } from '../../machines/policy.js';

const RUNS = 300;

/** The policy variables of section 2, written out from the contract. */
const POLICY_VARIABLES = [
  'EXECUTION_FAILOVER_THRESHOLD',
  'EXECUTION_FAILOVER_TIMEOUT',
  'EXECUTION_FAILOVER_TIMEOUT_MAX',
  'EXECUTION_ENGINE_FAILOVER',
  'EXECUTION_RECOVERY_SUCCESSES',
  'EXECUTION_HEALTH_CHECK_INTERVAL',
  'EXECUTION_AUTO_RESUME',
] as const;

const ENGINE_VARIABLES = ['ENGINE_LEAN_SELF_HOSTED_URL', 'ENGINE_QUANTTRADER_PYBROKER_URL', 'ENGINE_NAUTILUS_TRADER_URL'] as const;

/** Every variable of sections 3 to 6, 9 and 10. */
const ALL_VARIABLES = [
  ...POLICY_VARIABLES,
  ...ENGINE_VARIABLES,
  'REDIS_URL',
  'REDIS_SENTINELS',
  'REDIS_SENTINEL_MASTER',
  'REDIS_MIN_REPLICAS',
  'REDIS_WAIT_TIMEOUT_MS',
  'SIGNAL_QUEUE',
  'SIGNAL_QUEUE_KIND',
  'SIGNAL_GROUP',
  'CONSUMER_NAME',
  'EXECUTION_EVENTS',
  'DEAD_LETTER_QUEUE',
  'SIGNAL_MAX_ATTEMPTS',
  'IN_DOUBT_TIMEOUT',
  'DEDUP_TTL_SECONDS',
  'EXECUTION_CONCURRENCY',
  'ENGINE_TIMEOUT_MS',
  'HOST',
  'PORT',
  'ADMIN_TOKEN',
  'ALERT_WEBHOOK_URL',
  'LOG_LEVEL',
  'LEADER_LEASE_SECONDS',
  'INSPECT_WS_URL',
  'INSPECT_MAX_CLIENTS',
  'CONSUMER_IDLE_REMOVE_SECONDS',
] as const;

type Variable = (typeof ALL_VARIABLES)[number];
type Env = Partial<Record<Variable, string>>;

/** The longest wait a Node.js timer holds; a longer one fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Values that are right for some variable: so junk for one is often fine for another. */
const PLAUSIBLE = [
  '1',
  '2',
  '5',
  '300',
  '0.5',
  '3600',
  '65535',
  '8001',
  '2147483',
  '2147483647',
  '9007199254740991',
  'true',
  'FALSE',
  ' yes ',
  '0',
  'no',
  'stream',
  'LIST',
  'info',
  'Silent',
  'debug',
  'redis://127.0.0.1:6379',
  'rediss://user:pw@redis.example:6380/2',
  'http://127.0.0.1:9101',
  'https://engines.example/api',
  'sim://?latency_ms=5&fail_rate=0.1',
  'ws://127.0.0.1:8080',
  'wss://relay.example',
  '127.0.0.1',
  'localhost',
  '[::1]',
  '::1',
  'execution.signals',
  'nae.signals',
  's3cret-token',
  'mymaster',
  '127.0.0.1:26379',
  '127.0.0.1:26379,[::1]:26380',
  ' sentinel-a:26379 , sentinel-b:26379 ',
  'redis://127.0.0.1:6379/3',
];

/** Values that trip parsers: number look-alikes, overflow, unicode digits, blanks, odd URLs. */
const TRICKY = [
  'NaN',
  'Infinity',
  '-Infinity',
  '-0',
  '-1',
  '0.0',
  '0.0000',
  '1e308',
  '1e-308',
  '1e3',
  '0x10',
  '0b1',
  '1_000',
  '٣',
  '３',
  '5.',
  '.5',
  '+5',
  '00',
  '007',
  '\t10\n',
  '1 000',
  '1,5',
  '2147483648',
  '2147484',
  '9007199254740992',
  '9007199254740.992',
  `${'9'.repeat(400)}`,
  `0.${'0'.repeat(400)}1`,
  `1${'0'.repeat(309)}`,
  '',
  '   ',
  '\u00a0',
  '\u2028',
  '\ufeff5',
  'on',
  'off',
  'TRUE ',
  'ye s',
  'queue',
  'verbose',
  'javascript:alert(1)',
  'http://[::1',
  'http://',
  'redis://',
  'file:///etc/passwd',
  'HTTP://X',
  'sim:',
  'ws:relay',
  '127.0.0.1:0',
  '127.0.0.1:65536',
  'a:1,,b:2',
  'a:1,',
  '::1:26379',
  '[::1]',
  '[x]:1',
  'redis://h/x',
  '0.0.0.0',
  '::',
  '[::ffff:127.0.0.1]',
  '127.0.0.1.evil.example',
  '__proto__',
  'constructor',
];

const junkValue = fc.oneof(
  { arbitrary: fc.constantFrom(...PLAUSIBLE), weight: 4 },
  { arbitrary: fc.constantFrom(...TRICKY), weight: 3 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 12 }), weight: 1 },
  { arbitrary: fc.string({ unit: fc.constantFrom(...'0123456789.-+eE _x\t'), maxLength: 25 }), weight: 2 },
  { arbitrary: fc.double().map(String), weight: 1 },
  { arbitrary: fc.bigInt().map(String), weight: 1 },
);

/** A base every run can start from: all three engines and a token, so HOST may be anything. */
const BASE: Env = {
  ENGINE_LEAN_SELF_HOSTED_URL: 'http://127.0.0.1:9101',
  ENGINE_QUANTTRADER_PYBROKER_URL: 'https://engines.example:9102/api',
  ENGINE_NAUTILUS_TRADER_URL: 'sim://?latency_ms=5',
  ADMIN_TOKEN: 'base-token-of-16+',
};

/** Any subset of the variables set to junk, over the base or over nothing. */
const randomEnv = fc
  .tuple(fc.boolean(), fc.dictionary(fc.constantFrom(...ALL_VARIABLES), junkValue, { maxKeys: 8, noNullPrototype: true }))
  .map(([overBase, junk]): Env => ({ ...(overBase ? BASE : {}), ...junk }));

type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ConfigError };

/** Runs `load`; a ConfigError is an outcome, anything else escapes and fails the property. */
function outcomeOf<T>(load: () => T): Outcome<T> {
  try {
    return { ok: true, value: load() };
  } catch (error) {
    if (error instanceof ConfigError) return { ok: false, error };
    throw new Error(`expected a Config or a ConfigError, got ${String(error)}`, { cause: error });
  }
}

function expectNamesARealVariable(error: ConfigError, among: readonly string[]): void {
  expect(among).toContain(error.variable);
  expect(error.message).toContain(error.variable);
}

function isBlank(raw: string | undefined): boolean {
  return raw === undefined || raw.trim() === '';
}

function protocolOf(url: string): string {
  return new URL(url).protocol;
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** Whether a HOST only listens on this machine: "localhost" or a loopback address (IPv4-mapped too). */
function isLoopbackHost(host: string): boolean {
  const name = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (name === 'localhost') return true;
  const mapped = /^::ffff:(.*)$/.exec(name)?.[1];
  const address = mapped !== undefined && isIPv4(mapped) ? mapped : name;
  const family = isIP(address);
  return family !== 0 && LOOPBACK.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** A duration a timer can wait for: finite, above 0, at most 2^31 - 1 ms. */
function expectTimerSeconds(value: number, name: string): void {
  expect(Number.isFinite(value) && value > 0 && value * 1000 <= MAX_TIMER_MS, `${name} = ${value}`).toBe(true);
}

function expectCount(value: number, name: string): void {
  expect(Number.isSafeInteger(value) && value >= 1, `${name} = ${value}`).toBe(true);
}

function expectUsablePolicy(policy: PolicySettings): void {
  expect(Object.isFrozen(policy)).toBe(true);
  expectCount(policy.failureThreshold, 'failureThreshold');
  expectCount(policy.recoverySuccesses, 'recoverySuccesses');
  expectTimerSeconds(policy.recoveryTimeoutSeconds, 'recoveryTimeoutSeconds');
  expectTimerSeconds(policy.recoveryTimeoutMaxSeconds, 'recoveryTimeoutMaxSeconds');
  expectTimerSeconds(policy.healthCheckIntervalSeconds, 'healthCheckIntervalSeconds');
  expect(policy.recoveryTimeoutMaxSeconds).toBeGreaterThanOrEqual(policy.recoveryTimeoutSeconds);
  expect(typeof policy.failoverEnabled).toBe('boolean');
  expect(typeof policy.autoResume).toBe('boolean');
}

function expectTrimmedText(value: string, name: string): void {
  expect(value !== '' && value.trim() === value, `${name} = ${JSON.stringify(value)}`).toBe(true);
}

/** Fails unless every value of the config can be used as it stands. */
function expectUsableConfig(config: Config, requireEngines: boolean): void {
  expect(Object.isFrozen(config)).toBe(true);
  expectUsablePolicy(config.policy);
  expect(['redis:', 'rediss:']).toContain(protocolOf(config.redisUrl));
  expect(new URL(config.redisUrl).pathname).toMatch(/^\/?\d*$/);
  expect(Object.isFrozen(config.redisSentinels)).toBe(true);
  for (const sentinel of config.redisSentinels) {
    expect(sentinel.host !== '' && !sentinel.host.startsWith('['), `sentinel host ${sentinel.host}`).toBe(true);
    expect(Number.isInteger(sentinel.port) && sentinel.port >= 1 && sentinel.port <= 65535, `sentinel port ${sentinel.port}`).toBe(true);
  }
  expectTrimmedText(config.redisSentinelMaster, 'redisSentinelMaster');
  expect(Number.isSafeInteger(config.redisMinReplicas) && config.redisMinReplicas >= 0, `redisMinReplicas = ${config.redisMinReplicas}`).toBe(true);
  expectCount(config.redisWaitTimeoutMs, 'redisWaitTimeoutMs');
  expect(config.redisWaitTimeoutMs).toBeLessThanOrEqual(MAX_TIMER_MS);
  for (const [name, value] of Object.entries({
    signalQueue: config.signalQueue,
    signalGroup: config.signalGroup,
    consumerName: config.consumerName,
    executionEvents: config.executionEvents,
    deadLetterQueue: config.deadLetterQueue,
    host: config.host,
  })) {
    expectTrimmedText(value, name);
  }
  expect(['stream', 'list']).toContain(config.signalQueueKind);
  expect(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).toContain(config.logLevel);
  expectCount(config.signalMaxAttempts, 'signalMaxAttempts');
  expectCount(config.executionConcurrency, 'executionConcurrency');
  expectCount(config.engineTimeoutMs, 'engineTimeoutMs');
  expect(config.engineTimeoutMs).toBeLessThanOrEqual(MAX_TIMER_MS);
  expectTimerSeconds(config.inDoubtTimeoutSeconds, 'inDoubtTimeoutSeconds');
  expectTimerSeconds(config.leaderLeaseSeconds, 'leaderLeaseSeconds');
  // A TTL, not a timer: Redis takes it in whole milliseconds.
  expect(Number.isFinite(config.dedupTtlSeconds) && config.dedupTtlSeconds > 0).toBe(true);
  expect(config.dedupTtlSeconds * 1000).toBeLessThanOrEqual(Number.MAX_SAFE_INTEGER);
  expect(Number.isInteger(config.port) && config.port >= 1 && config.port <= 65535).toBe(true);
  for (const url of Object.values(config.engineUrls)) expect(['http:', 'https:', 'sim:']).toContain(protocolOf(url));
  if (requireEngines) expect(Object.keys(config.engineUrls).sort()).toEqual(['lean_self_hosted', 'nautilus_trader', 'quanttrader_pybroker']);
  if (config.alertWebhookUrl !== undefined) expect(['http:', 'https:']).toContain(protocolOf(config.alertWebhookUrl));
  if (config.inspectWsUrl !== undefined) expect(['ws:', 'wss:']).toContain(protocolOf(config.inspectWsUrl));
  if (config.adminToken !== undefined) expectTrimmedText(config.adminToken, 'adminToken');
  if (!isLoopbackHost(config.host)) expect(config.adminToken, `HOST ${config.host} is not loopback`).toBeDefined();
}

/** The contract's defaults (section 6 and the sections it points to) for the numeric variables. */
const NUMERIC_DEFAULTS: Partial<Record<Variable, number>> = {
  EXECUTION_FAILOVER_THRESHOLD: 5,
  EXECUTION_FAILOVER_TIMEOUT: 300,
  EXECUTION_RECOVERY_SUCCESSES: 2,
  EXECUTION_HEALTH_CHECK_INTERVAL: 10,
  SIGNAL_MAX_ATTEMPTS: 20,
  IN_DOUBT_TIMEOUT: 60,
  DEDUP_TTL_SECONDS: 7 * 24 * 3600,
  EXECUTION_CONCURRENCY: 8,
  ENGINE_TIMEOUT_MS: 5000,
  PORT: 8001,
  REDIS_MIN_REPLICAS: 0,
  REDIS_WAIT_TIMEOUT_MS: 500,
};

function numericFields(config: Config): Partial<Record<Variable, number>> {
  return {
    EXECUTION_FAILOVER_THRESHOLD: config.policy.failureThreshold,
    EXECUTION_FAILOVER_TIMEOUT: config.policy.recoveryTimeoutSeconds,
    EXECUTION_RECOVERY_SUCCESSES: config.policy.recoverySuccesses,
    EXECUTION_HEALTH_CHECK_INTERVAL: config.policy.healthCheckIntervalSeconds,
    SIGNAL_MAX_ATTEMPTS: config.signalMaxAttempts,
    IN_DOUBT_TIMEOUT: config.inDoubtTimeoutSeconds,
    DEDUP_TTL_SECONDS: config.dedupTtlSeconds,
    EXECUTION_CONCURRENCY: config.executionConcurrency,
    ENGINE_TIMEOUT_MS: config.engineTimeoutMs,
    PORT: config.port,
    REDIS_MIN_REPLICAS: config.redisMinReplicas,
    REDIS_WAIT_TIMEOUT_MS: config.redisWaitTimeoutMs,
  };
}

describe('loadConfig on random environments', () => {
  it('answers a usable Config or a ConfigError naming a real variable, never anything else', () => {
    fc.assert(
      fc.property(randomEnv, fc.boolean(), (env, requireEngines) => {
        const outcome = outcomeOf(() => loadConfig(env, { requireEngines }));
        if (outcome.ok) expectUsableConfig(outcome.value, requireEngines);
        else expectNamesARealVariable(outcome.error, ALL_VARIABLES);
      }),
      { numRuns: RUNS },
    );
  });

  it('takes each number as given, and the contract’s default when unset or blank', () => {
    fc.assert(
      fc.property(randomEnv, (env) => {
        const outcome = outcomeOf(() => loadConfig(env, { requireEngines: false }));
        if (!outcome.ok) return;
        const config = outcome.value;
        const actual = numericFields(config);
        for (const [name, fallback] of Object.entries(NUMERIC_DEFAULTS) as [Variable, number][]) {
          const raw = env[name];
          expect(actual[name], name).toBe(isBlank(raw) ? fallback : Number(raw?.trim()));
        }
        const maxRaw = env.EXECUTION_FAILOVER_TIMEOUT_MAX;
        // Unset, the cap follows a raised timeout (section 2 doubles up to it).
        const expectedMax = isBlank(maxRaw) ? Math.max(3600, config.policy.recoveryTimeoutSeconds) : Number(maxRaw?.trim());
        expect(config.policy.recoveryTimeoutMaxSeconds).toBe(expectedMax);
      }),
      { numRuns: RUNS },
    );
  });

  it('blames the variable at fault when only one is bad', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ALL_VARIABLES), junkValue, fc.boolean(), (variable, value, requireEngines) => {
        const outcome = outcomeOf(() => loadConfig({ ...BASE, [variable]: value }, { requireEngines }));
        if (outcome.ok) expectUsableConfig(outcome.value, requireEngines);
        else expect(outcome.error.variable, `${variable}=${JSON.stringify(value)}: ${outcome.error.message}`).toBe(variable);
      }),
      { numRuns: RUNS },
    );
  });

  it('treats a blank variable as an unset one', () => {
    const blank = fc.constantFrom('', ' ', '\t', '\n  ');
    fc.assert(
      fc.property(randomEnv, fc.constantFrom(...ALL_VARIABLES), blank, (env, variable, spaces) => {
        const unset: Env = { ...env };
        delete unset[variable];
        const withBlank = outcomeOf(() => loadConfig({ ...env, [variable]: spaces }, { requireEngines: false }));
        const withoutIt = outcomeOf(() => loadConfig(unset, { requireEngines: false }));
        expect(withBlank.ok).toBe(withoutIt.ok);
        if (withBlank.ok && withoutIt.ok) expect(withBlank.value).toEqual(withoutIt.value);
        if (!withBlank.ok && !withoutIt.ok) expect(withBlank.error.variable).toBe(withoutIt.error.variable);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('passwords in URLs', () => {
  // Long enough and made of letters that no other part of a message would contain it by chance.
  const password = fc.stringMatching(/^[A-Za-z0-9/#?@:%]{6,16}$/).filter((text) => /[A-Za-z]{3}/.test(text));
  const scheme = fc.constantFrom('redis://', 'rediss://', 'http://', '', ' redis://', 'REDIS://');
  const rest = fc.constantFrom('redis.example:6379', 'redis.example:99999', '[::1', '', 'h:6379/x', 'h:6379/0', 'h/1/2');

  it('never shows up in a ConfigError, whatever else is wrong with the URL', () => {
    fc.assert(
      fc.property(scheme, fc.constantFrom('user:', ':', ''), password, rest, (prefix, user, secret, host) => {
        const outcome = outcomeOf(() => loadConfig({ REDIS_URL: `${prefix}${user}${secret}@${host}` }, { requireEngines: false }));
        if (outcome.ok) return;
        expect(outcome.error.variable).toBe('REDIS_URL');
        expect(outcome.error.message).not.toContain(secret);
        expect(JSON.stringify(outcome.error.cause)).not.toContain(secret);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('loadPolicySettings on random environments', () => {
  it('answers usable settings or a ConfigError naming a policy variable, and agrees with loadConfig', () => {
    fc.assert(
      fc.property(randomEnv, (env) => {
        const policy = outcomeOf(() => loadPolicySettings(env));
        if (policy.ok) expectUsablePolicy(policy.value);
        else expectNamesARealVariable(policy.error, POLICY_VARIABLES);
        const config = outcomeOf(() => loadConfig(env, { requireEngines: false }));
        if (config.ok) expect(config.value.policy).toEqual(policy.ok ? policy.value : 'a policy error');
      }),
      { numRuns: RUNS },
    );
  });
});
