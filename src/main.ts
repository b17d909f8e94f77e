/** `npm start`: the service, as configured by the environment. */
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './log.js';
import { startServiceWithInspector } from './inspector/index.js';
import { exitOnSignals } from './shutdown.js';

function exitForBadConfig(error: ConfigError): never {
  process.stderr.write(`${JSON.stringify({ level: 'fatal', variable: error.variable, msg: `configuration error: ${error.message}` })}\n`);
  process.exit(2);
}

let config;
try {
  config = loadConfig(process.env, { requireEngines: true });
} catch (error) {
  if (error instanceof ConfigError) exitForBadConfig(error);
  throw error;
}
const log = createLogger(config.logLevel);
try {
  // The inspector (`GET /inspect`) comes with the service: its data needs ADMIN_TOKEN when one is set.
  const started = await startServiceWithInspector({ config, log });
  exitOnSignals(log, () => started.stop());
} catch (error) {
  if (error instanceof ConfigError) exitForBadConfig(error);
  log.fatal({ err: error }, 'the service could not start');
  process.exit(1);
}
