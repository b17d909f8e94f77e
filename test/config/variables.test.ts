/** A bad value: a ConfigError naming the variable and what it accepts, never showing a password. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { ENGINES, configErrorOf, load } from './configFixture.js';

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
