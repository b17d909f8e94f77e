/**
 * `npm run demo`: the whole service with simulated engines and a signal generator. Redis from
 * REDIS_URL when it answers; otherwise an in-process queue, which keeps nothing (said loudly).
 */
import { ENGINE_IDS } from '../machines/engines.js';
import { ENGINE_URL_VARIABLES } from './config/config.js';
import { startGenerator } from './demo/generator.js';
import { createLogger } from './log.js';
import { createInspector } from './inspector/index.js';
import { startService, type RunningService } from './service/service.js';
import { connectRedis, redisConnectionOptions } from './service/redisConnection.js';
import { exitOnSignals } from './shutdown.js';
import { loadConfigOrExit } from './startup.js';
import { createMemoryQueue } from './signals/memoryQueue.js';
import { SIGNAL_FIELD } from './signals/streamQueue.js';

/** Demo defaults: faster than production so that a failover and a recovery happen within minutes. */
const DEMO_DEFAULTS: Record<string, string> = {
  EXECUTION_FAILOVER_TIMEOUT: '30',
  EXECUTION_FAILOVER_TIMEOUT_MAX: '240',
  EXECUTION_HEALTH_CHECK_INTERVAL: '2',
  ENGINE_TIMEOUT_MS: '2000',
  IN_DOUBT_TIMEOUT: '20',
  ...Object.fromEntries(ENGINE_IDS.map((id) => [ENGINE_URL_VARIABLES[id], 'sim://?latency_ms=15'])),
};

const env = { ...process.env };
for (const [name, value] of Object.entries(DEMO_DEFAULTS)) {
  if (env[name] === undefined || env[name] === '') env[name] = value;
}

const config = loadConfigOrExit(env);
const log = createLogger(config.logLevel);
const signalsPerSecond = Number(process.env.DEMO_SIGNALS_PER_SECOND ?? '2');

/** `host:port` of a Redis URL, never its credentials. */
function redisHostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(unreadable REDIS_URL)';
  }
}

const redis = connectRedis(redisConnectionOptions(config), log);
const reachable = await redis.ping().then(
  (answer) => answer === 'PONG',
  () => false,
);

let push: (raw: string) => Promise<unknown> | void;
const inspector = createInspector({ config, log });
let started: RunningService;
if (reachable) {
  log.info({ queue: config.signalQueue, kind: config.signalQueueKind }, 'demo: using Redis');
  started = await startService({ config, log, redis, inspect: inspector.inspect, extendApp: inspector.extendApp });
  const queueName = config.signalQueue;
  push = config.signalQueueKind === 'stream' ? (raw) => redis.xadd(queueName, '*', SIGNAL_FIELD, raw) : (raw) => redis.lpush(queueName, raw);
} else {
  redis.disconnect();
  log.warn(
    // The URL's host only: it may carry a password.
    { redis: redisHostOf(config.redisUrl) },
    'DEMO WITHOUT REDIS: no Redis answered, so signals go through an IN-PROCESS QUEUE that keeps NOTHING across restarts',
  );
  const queue = createMemoryQueue();
  started = await startService({ config, log, redis: null, queue, inspect: inspector.inspect, extendApp: inspector.extendApp });
  push = (raw) => void queue.push(raw);
}
const generator = startGenerator({
  intervalMs: 1000 / (signalsPerSecond > 0 ? signalsPerSecond : 2),
  push,
  onError: (error) => log.error({ err: error }, 'demo: could not push a signal'),
});
const { url } = started;
log.info({ url, inspector: `${url}/inspect`, signalsPerSecond }, 'demo running: open the inspector to watch and inject faults');
const running = started;
exitOnSignals(log, async () => {
  generator.stop();
  await running.stop();
  inspector.stop();
  if (reachable) redis.disconnect();
});
