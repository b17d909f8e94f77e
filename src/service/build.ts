/** The engines and the queue a running instance works with, built from the configuration. */
import type { Redis } from 'ioredis';
import { ENGINE_IDS, type EngineId } from '../../machines/engines.js';
import { ENGINE_URL_VARIABLES, type Config } from '../config/config.js';
import { ConfigError } from '../config/variables.js';
import { createEngine } from '../engines/createEngine.js';
import type { ExecutionEngine } from '../engines/types.js';
import { createListQueue } from '../signals/listQueue.js';
import type { Logger } from '../log.js';
import type { SignalQueue, TermFence } from '../signals/queue.js';
import { createStreamQueue } from '../signals/streamQueue.js';

/** One adapter per configured engine URL; a bad URL is a configuration error naming its variable. */
export function buildEngines(config: Config): Partial<Record<EngineId, ExecutionEngine>> {
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

/** The signal queue of one leader term: every write it makes is checked against `fence`. */
export function buildQueue(config: Config, redis: Redis, fence: TermFence, log: Logger): SignalQueue {
  const destinations = {
    eventsStream: config.executionEvents,
    deadLetterStream: config.deadLetterQueue,
    dedupTtlSeconds: config.dedupTtlSeconds,
    ...(config.outcomeStreamMaxLen === undefined ? {} : { outcomeMaxLen: config.outcomeStreamMaxLen }),
    fence,
    ...(config.redisMinReplicas > 0 ? { replicas: { minReplicas: config.redisMinReplicas, timeoutMs: config.redisWaitTimeoutMs } } : {}),
  };
  return config.signalQueueKind === 'stream'
    ? createStreamQueue({
        redis,
        stream: config.signalQueue,
        group: config.signalGroup,
        consumer: config.consumerName,
        ...destinations,
        consumerIdleRemoveMs: config.consumerIdleRemoveSeconds * 1000,
        log,
      })
    : createListQueue({ redis, list: config.signalQueue, ...destinations });
}
