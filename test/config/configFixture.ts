/** What the configuration tests share: the three engine URLs `npm start` requires, and a ConfigError caught. */
import { loadConfig, type Config } from '../../src/config/config.js';
import { ConfigError } from '../../src/config/variables.js';

export const ENGINES = {
  ENGINE_LEAN_SELF_HOSTED_URL: 'http://127.0.0.1:9101',
  ENGINE_QUANTTRADER_PYBROKER_URL: 'https://engines.example:9102/api',
  ENGINE_NAUTILUS_TRADER_URL: 'sim://?latency_ms=5&fail_rate=0.1',
};

export function load(env: Record<string, string | undefined>, requireEngines = true): Config {
  return loadConfig({ ...ENGINES, ...env }, { requireEngines });
}

/** The ConfigError `attempt` throws; fails the test when it throws nothing or something else. */
export function configErrorOf(attempt: () => unknown): ConfigError {
  try {
    attempt();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw new Error(`expected a ConfigError, got ${String(error)}`, { cause: error });
  }
  throw new Error('expected a ConfigError, but the configuration was accepted');
}
