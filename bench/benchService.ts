/**
 * The real service, started for a benchmark as `npm start` would start it: configured by
 * `loadConfig` from an environment, with the inspector, on key names of its own, with `sim://`
 * engines answering at once.
 */
import type { EngineId } from '../machines/engines.js';
import { loadConfig, type Config } from '../src/config/config.js';
import type { ExecutionEngine } from '../src/engines/types.js';
import { createInspector } from '../src/inspector/index.js';
import { createLogger } from '../src/log.js';
import { startService, type RunningService } from '../src/service/service.js';
import { serviceKeys, type ServiceKeys } from '../test/support/service.js';

/** The Redis keys one benchmark service uses: the tests' naming, under a prefix of the run's. */
export type BenchKeys = ServiceKeys;

/** Key names under `prefix` (such as `bench.<run>`), so runs on one Redis never see each other's. */
export function benchKeys(prefix: string): BenchKeys {
  return serviceKeys(`${prefix}.`);
}

/** What a benchmark service is started with. */
export interface BenchServiceOptions {
  readonly redisUrl: string;
  readonly keys: BenchKeys;
  readonly concurrency: number;
  /** A port to listen on (127.0.0.1); none: no HTTP server. */
  readonly port?: number;
  /** Further variables, overriding the defaults here. */
  readonly env?: Readonly<Record<string, string>>;
  /** Engines built by the benchmark (instrumented ones); default: from the `sim://` URLs. */
  readonly engines?: Partial<Record<EngineId, ExecutionEngine>>;
}

/** The `sim://` URL of an engine that answers at once and never fails. */
export const INSTANT_SIM_URL = 'sim://?latency_ms=0';

/** The environment of a benchmark service, as an operator would write it. */
export function benchEnv(options: BenchServiceOptions): Record<string, string> {
  const { keys } = options;
  return {
    REDIS_URL: options.redisUrl,
    SIGNAL_QUEUE: keys.signalQueue,
    SIGNAL_QUEUE_KIND: 'stream',
    SIGNAL_GROUP: keys.signalGroup,
    CONSUMER_NAME: keys.consumerName,
    EXECUTION_EVENTS: keys.executionEvents,
    DEAD_LETTER_QUEUE: keys.deadLetterQueue,
    EXECUTION_CONCURRENCY: String(options.concurrency),
    ENGINE_LEAN_SELF_HOSTED_URL: INSTANT_SIM_URL,
    ENGINE_QUANTTRADER_PYBROKER_URL: INSTANT_SIM_URL,
    ENGINE_NAUTILUS_TRADER_URL: INSTANT_SIM_URL,
    HOST: '127.0.0.1',
    ...(options.port === undefined ? {} : { PORT: String(options.port) }),
    // Warnings and errors still show: a benchmark that fails quietly measures nothing.
    LOG_LEVEL: 'warn',
    ...options.env,
  };
}

/** The configuration of a benchmark service, through the service's own validation. */
export function benchConfig(options: BenchServiceOptions): Config {
  return loadConfig(benchEnv(options), { requireEngines: true });
}

/** Starts the real service; it starts consuming at once. Log lines go to stderr, off the result table. */
export async function startBenchService(options: BenchServiceOptions): Promise<RunningService> {
  const config = benchConfig(options);
  const log = createLogger(config.logLevel, process.stderr);
  // With the inspector, as src/main.ts starts the service: its event log takes every event of the
  // policy actor. It has nothing to stop here: its live feed runs only while a page is connected
  // (none is), and its Stately relay only with INSPECT_WS_URL (not set).
  const inspector = createInspector({ config, log });
  return startService({
    config,
    log,
    stateKey: options.keys.stateKey,
    leaderKey: options.keys.leaderKey,
    listen: options.port !== undefined,
    inspect: inspector.inspect,
    extendApp: inspector.extendApp,
    ...(options.engines ? { engines: options.engines } : {}),
  });
}
