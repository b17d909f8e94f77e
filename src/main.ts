/** `npm start`: the service, as configured by the environment. */
import { ConfigError } from './config/variables.js';
import { createLogger } from './log.js';
import { createInspector } from './inspector/index.js';
import { startService } from './service/service.js';
import { exitOnSignals } from './shutdown.js';
import { exitForBadConfig, loadConfigOrExit } from './startup.js';

const config = loadConfigOrExit(process.env);
const log = createLogger(config.logLevel);
// The inspector (`GET /inspect`) comes with the service: its data needs ADMIN_TOKEN when one is set.
const inspector = createInspector({ config, log });
try {
  const service = await startService({ config, log, inspect: inspector.inspect, extendApp: inspector.extendApp });
  exitOnSignals(log, async () => {
    await service.stop();
    inspector.stop();
  });
} catch (error) {
  inspector.stop();
  if (error instanceof ConfigError) exitForBadConfig(error);
  log.fatal({ err: error }, 'the service could not start');
  process.exit(1);
}
