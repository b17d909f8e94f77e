/** What `npm start` and `npm run demo` do alike before and around start-up. */
import { loadConfig, type Config } from './config/config.js';
import { ConfigError } from './config/variables.js';

/** Writes the configuration error as a JSON line naming the variable, and exits 2. */
export function exitForBadConfig(error: ConfigError): never {
  process.stderr.write(`${JSON.stringify({ level: 'fatal', variable: error.variable, msg: `configuration error: ${error.message}` })}\n`);
  process.exit(2);
}

/** The configuration from `env`, or exit 2 with a message naming the bad variable. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv): Config {
  try {
    return loadConfig(env, { requireEngines: true });
  } catch (error) {
    if (error instanceof ConfigError) exitForBadConfig(error);
    throw error;
  }
}
