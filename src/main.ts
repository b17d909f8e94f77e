/** `npm start`: the service, as configured by the environment. */
import { ConfigError } from './config.js';
import { createLogger } from './log.js';
import { startServiceWithInspector } from './inspector/index.js';
import { exitOnSignals } from './shutdown.js';
import { exitForBadConfig, loadConfigOrExit } from './startup.js';

const config = loadConfigOrExit(process.env);
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
