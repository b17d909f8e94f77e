/**
 * The service with its inspector, in-process and listening on a port of the test's choosing, as
 * `npm run demo` runs it: `sim://` engines, the shared test Redis under the test's own key names.
 */
import { Writable } from 'node:stream';
import type { EngineId } from '../../machines/engines.js';
import { loadConfig } from '../../src/config/config.js';
import { createInspector, type Inspector } from '../../src/inspector/index.js';
import { startService, type RunningService } from '../../src/service/service.js';

/** A service started with its inspector, as `main.ts` plugs it in. */
export interface InspectedService {
  readonly service: RunningService;
  readonly inspector: Inspector;
  /** Stops the service, then the inspector. */
  stop(): Promise<void>;
}
import { createLogger } from '../../src/log.js';
import { serviceEnv, type ServiceKeys } from './service.js';

/** What the browser tests start a service with. */
export interface InspectedServiceOptions {
  readonly redisUrl: string;
  readonly keys: ServiceKeys;
  readonly port: number;
  /** Further variables (ADMIN_TOKEN, timings), over the fast test defaults. */
  readonly env?: Readonly<Record<string, string>>;
}

/** A started service, its URL and the warnings and errors it logged. */
export interface StartedInspectedService extends InspectedService {
  readonly url: string;
  readonly problems: readonly Record<string, unknown>[];
}

const SIM_ENGINE = 'sim://?latency_ms=5';

/** Keeps the log lines at warn level or above. */
function problemCollector(lines: Record<string, unknown>[]): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const text of chunk.toString().split('\n')) {
        if (text.trim() !== '') lines.push(JSON.parse(text) as Record<string, unknown>);
      }
      callback();
    },
  });
}

/** Starts the service with `sim://` engines and the inspector on 127.0.0.1:`port`. */
export async function startInspectedService(options: InspectedServiceOptions): Promise<StartedInspectedService> {
  const engineUrls: Record<EngineId, string> = { lean_self_hosted: SIM_ENGINE, quanttrader_pybroker: SIM_ENGINE, nautilus_trader: SIM_ENGINE };
  const env = serviceEnv({
    redisUrl: options.redisUrl,
    keys: options.keys,
    kind: 'stream',
    engineUrls,
    // The test's own audit stream: the page lists it, and the contract's default is shared by every test.
    env: { HOST: '127.0.0.1', PORT: String(options.port), LOG_LEVEL: 'warn', AUDIT_STREAM: `${options.keys.prefix}audit`, ...options.env },
  });
  const config = loadConfig(env, { requireEngines: true });
  const problems: Record<string, unknown>[] = [];
  const log = createLogger(config.logLevel, problemCollector(problems));
  const inspector = createInspector({ config, log });
  const service = await startService({
    config,
    log,
    stateKey: options.keys.stateKey,
    leaderKey: options.keys.leaderKey,
    inspect: inspector.inspect,
    extendApp: inspector.extendApp,
  });
  const started: InspectedService = {
    service,
    inspector,
    async stop() {
      await service.stop();
      inspector.stop();
    },
  };
  const { url } = service;
  if (url === null) throw new Error('the inspected service did not listen');
  return { ...started, url, problems };
}
