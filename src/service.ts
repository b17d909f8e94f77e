/**
 * The service assembled: queue, engines, policy, prober, manager and HTTP server. `main.ts` and
 * `demo.ts` differ only in what they hand in; tests start it in-process the same way.
 */
import { serve, type ServerType } from '@hono/node-server';
import type { Hono } from 'hono';
import { Redis } from 'ioredis';
import type { InspectionEvent } from 'xstate';
import { ENGINE_IDS, type EngineId } from '../machines/engines.js';
import { createAlerter, type Alerter } from './alerts.js';
import { ConfigError, ENGINE_URL_VARIABLES, POLICY_STATE_KEY, type Config } from './config.js';
import { createEngine } from './engines/createEngine.js';
import { createHealthProber } from './engines/healthProber.js';
import type { ExecutionEngine } from './engines/types.js';
import { ExecutionManager } from './execution/manager.js';
import { createApp } from './http/app.js';
import type { Logger } from './log.js';
import { createMetrics, type Metrics } from './metrics.js';
import { leaderControl } from './policy/control.js';
import { createPolicyStateWriter, loadPolicyState } from './policy/persistence.js';
import { startPolicyRuntime, type PolicyRuntime } from './policy/runtime.js';
import { createListQueue } from './signals/listQueue.js';
import type { SignalQueue } from './signals/queue.js';
import { createStreamQueue } from './signals/streamQueue.js';

/** What the service is started with beyond its configuration. */
export interface ServiceOptions {
  readonly config: Config;
  readonly log: Logger;
  /** Engines built elsewhere (the demo's simulated ones); default: from the configured URLs. */
  readonly engines?: Partial<Record<EngineId, ExecutionEngine>>;
  /** A queue built elsewhere (the demo's in-process one); default: from the configuration. */
  readonly queue?: SignalQueue;
  /** A Redis connection to use; null when there is none (demo without Redis). */
  readonly redis?: Redis | null;
  /** Mounts extra routes (the inspector). */
  readonly extendApp?: (app: Hono, service: RunningService) => void;
  /** Receives the actor's inspection events. */
  readonly inspect?: (event: InspectionEvent) => void;
  /** The Redis key of the policy state; the contract's `execution.failover.state` unless a test isolates itself. */
  readonly stateKey?: string;
  /** Serve HTTP; false in tests that use `app.request()`. Default true. */
  readonly listen?: boolean;
}

/** The running service. */
export interface RunningService {
  readonly config: Config;
  readonly policy: PolicyRuntime;
  readonly manager: ExecutionManager;
  readonly engines: Partial<Record<EngineId, ExecutionEngine>>;
  readonly queue: SignalQueue;
  readonly metrics: Metrics;
  readonly app: Hono;
  readonly alerter: Alerter;
  /** The bound URL when listening, such as `http://127.0.0.1:8001`. */
  readonly url: string | null;
  /** Stops consuming, finishes signals in flight, saves the policy state, closes everything. Idempotent. */
  stop(): Promise<void>;
}

/** A Redis connection that fails commands fast during an outage and reconnects by itself. */
export function connectRedis(url: string, log: Logger): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => Math.min(times * 100, 2000),
    enableAutoPipelining: true,
  });
  let down = false;
  redis.on('error', (error: Error) => {
    if (!down) log.error({ err: error }, 'Redis connection error; reconnecting');
    down = true;
  });
  redis.on('ready', () => {
    if (down) log.info('Redis connection restored');
    down = false;
  });
  return redis;
}

async function pingRedis(redis: Redis | null): Promise<boolean> {
  if (redis === null) return true;
  if (redis.status !== 'ready') return false;
  const timeout = new Promise<string>((resolve) => {
    setTimeout(() => resolve('timeout'), 1000).unref();
  });
  try {
    return (await Promise.race([redis.ping(), timeout])) === 'PONG';
  } catch {
    return false;
  }
}

function buildEngines(config: Config): Partial<Record<EngineId, ExecutionEngine>> {
  const engines: Partial<Record<EngineId, ExecutionEngine>> = {};
  for (const id of ENGINE_IDS) {
    const url = config.engineUrls[id];
    if (url === undefined) continue;
    try {
      engines[id] = createEngine(id, url, { timeoutMs: config.engineTimeoutMs });
    } catch (error) {
      const variable = ENGINE_URL_VARIABLES[id];
      throw new ConfigError(variable, `${variable} is not valid: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }
  return engines;
}

function buildQueue(config: Config, redis: Redis): SignalQueue {
  const destinations = {
    eventsStream: config.executionEvents,
    deadLetterStream: config.deadLetterQueue,
    dedupTtlSeconds: config.dedupTtlSeconds,
  };
  return config.signalQueueKind === 'stream'
    ? createStreamQueue({ redis, stream: config.signalQueue, group: config.signalGroup, consumer: config.consumerName, ...destinations })
    : createListQueue({ redis, list: config.signalQueue, ...destinations });
}

async function until<T>(what: string, log: Logger, attempt: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      log.error({ err: error, tries }, `${what} failed; retrying`);
      await new Promise((resolve) => setTimeout(resolve, Math.min(tries * 500, 5000)));
    }
  }
}

/** Starts the whole service. */
export async function startService(options: ServiceOptions): Promise<RunningService> {
  const { config, log } = options;
  const stateKey = options.stateKey ?? POLICY_STATE_KEY;
  const redis = options.redis === undefined ? connectRedis(config.redisUrl, log) : options.redis;
  const engines = options.engines ?? buildEngines(config);
  const queue = options.queue ?? (redis === null ? null : buildQueue(config, redis));
  if (queue === null) throw new Error('startService needs a queue when it has no Redis');
  const alerter = createAlerter({ log, webhookUrl: config.alertWebhookUrl });
  const metrics = createMetrics({ queueDepth: () => queue.depth() });

  const loaded =
    redis === null
      ? ({ kind: 'absent' } as const)
      : await until('reading the policy state from Redis', log, () => loadPolicyState(redis, stateKey, config.policy));
  if (loaded.kind === 'incompatible') log.warn({ reason: loaded.reason }, 'ignoring the stored policy state; starting fresh');
  if (loaded.kind === 'found') log.info({ state: loaded.state.value, savedAt: new Date(loaded.savedAt).toISOString() }, 'restored the policy state');

  const engineList = ENGINE_IDS.flatMap((id) => (engines[id] ? [engines[id]] : []));
  let policy: PolicyRuntime | null = null;
  const prober = createHealthProber({
    engines: engineList,
    intervalSeconds: config.policy.healthCheckIntervalSeconds,
    probeTimeoutMs: Math.min(config.engineTimeoutMs, config.policy.healthCheckIntervalSeconds * 1000),
    onResults: (results, at) => policy?.send({ type: 'HEALTH_CHECKED', results, at }),
    onError: (error) => log.error({ err: error }, 'health probe round failed'),
  });
  policy = startPolicyRuntime({
    settings: config.policy,
    restoreFrom: loaded.kind === 'found' ? loaded.state : null,
    effects: {
      alert: (alert) => alerter.send(alert),
      requestHealthCheck: () => void prober.probeNow(),
    },
    ...(options.inspect ? { inspect: options.inspect } : {}),
    onError: (error) => log.fatal({ err: error }, 'the failover policy actor failed; no signal is dispatched'),
  });
  const runtime = policy;

  const writer =
    redis === null
      ? null
      : createPolicyStateWriter({
          store: redis,
          key: stateKey,
          read: () => runtime.state(),
          now: Date.now,
          onError: (error) => log.error({ err: error }, 'could not save the policy state'),
        });
  let lastRecorded = runtime.state().context.lastTransition;
  metrics.activeEngine(runtime.activeEngine());
  runtime.subscribe((snapshot) => {
    writer?.changed();
    const record = snapshot.context.lastTransition;
    if (record !== null && record !== lastRecorded) {
      lastRecorded = record;
      metrics.transition(record.from, record.to, record.reason);
      metrics.activeEngine(runtime.activeEngine());
      log.info({ from: record.from, to: record.to, reason: record.reason }, `policy: ${record.from} → ${record.to} (${record.reason})`);
    }
  });
  writer?.changed();

  const manager = new ExecutionManager({
    queue,
    policy: runtime,
    engines,
    log,
    metrics,
    alert: (alert) => alerter.send(alert),
    concurrency: config.executionConcurrency,
    maxAttempts: config.signalMaxAttempts,
    inDoubtTimeoutMs: config.inDoubtTimeoutSeconds * 1000,
    inDoubtPollMs: config.policy.healthCheckIntervalSeconds * 1000,
  });

  let server: ServerType | null = null;
  let url: string | null = null;
  let stopping: Promise<void> | null = null;
  const stop = async (): Promise<void> => {
    log.info('stopping: no new signals are taken; finishing those in flight');
    const managerClosed = manager.close();
    // Ends a blocking read in flight now instead of after its timeout (up to a second); the queue
    // still settles the signals being finished.
    await queue.close();
    await managerClosed;
    await prober.stop();
    runtime.stop();
    await writer?.flush();
    await alerter.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    if (options.redis === undefined && redis !== null) redis.disconnect();
    log.info('stopped');
  };
  const service: RunningService = {
    config,
    policy: runtime,
    manager,
    engines,
    queue,
    metrics,
    alerter,
    app: createApp({
      control: leaderControl(runtime),
      redisReady: () => pingRedis(redis),
      metrics: metrics.registry,
      adminToken: config.adminToken,
      log,
      extend: (app) => options.extendApp?.(app, service),
    }),
    get url() {
      return url;
    },
    stop: () => (stopping ??= stop()),
  };

  if (options.listen !== false) {
    server = await new Promise<ServerType>((resolve, reject) => {
      const created = serve({ fetch: service.app.fetch, hostname: config.host, port: config.port }, (info) => {
        url = `http://${info.family === 'IPv6' ? `[${info.address}]` : info.address}:${info.port}`;
        resolve(created);
      });
      created.once('error', (error) => reject(new Error(`Could not listen on ${config.host}:${config.port}`, { cause: error })));
    });
    log.info({ url }, 'listening');
  }
  prober.start();
  await manager.start();
  return service;
}
