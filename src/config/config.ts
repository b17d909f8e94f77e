/**
 * Configuration from the environment (contract sections 3 to 6 and 10), validated once at start-up.
 * A bad value stops the start with a message naming the variable and what it accepts.
 */
import os from 'node:os';
import { z } from 'zod';
import { ENGINE_IDS, type EngineId } from '../../machines/engines.js';
import type { PolicySettings } from '../../machines/policy.js';
import { isLoopbackHost } from '../loopback.js';
import { loadPolicySettings } from './policySettings.js';
import { sentinelList, type SentinelAddress } from './sentinelList.js';
import {
  MAX_TIMER_MS,
  MAX_TTL_SECONDS,
  booleanFlag,
  nonEmpty,
  ordersPerSecond,
  positiveInteger,
  positiveIntegerText,
  redisUrl,
  seconds,
  url,
  wholeNumber,
} from './values.js';
import { ConfigError, readOptional, variableReader } from './variables.js';

export type { SentinelAddress };

/** The Redis key that holds the persisted policy state. */
export const POLICY_STATE_KEY = 'execution.failover.state';
/** The shortest ADMIN_TOKEN accepted on a HOST other machines can reach. */
export const MIN_PUBLIC_TOKEN_LENGTH = 16;

/** The Redis key of the leader lease. */
export const LEADER_KEY = 'execution.leader';

/** The Redis key of the leader epoch counter: `execution.leader.epoch` for the contract's lease key. */
export function leaderEpochKey(leaderKey: string): string {
  return `${leaderKey}.epoch`;
}

/** The variable that binds each engine id to its adapter URL. */
export const ENGINE_URL_VARIABLES: Record<EngineId, string> = {
  lean_self_hosted: 'ENGINE_LEAN_SELF_HOSTED_URL',
  quanttrader_pybroker: 'ENGINE_QUANTTRADER_PYBROKER_URL',
  nautilus_trader: 'ENGINE_NAUTILUS_TRADER_URL',
};

/** The variable that caps each engine's order rate (orders per second). */
export const ENGINE_RATE_VARIABLES: Record<EngineId, string> = {
  lean_self_hosted: 'ENGINE_LEAN_SELF_HOSTED_MAX_ORDERS_PER_SECOND',
  quanttrader_pybroker: 'ENGINE_QUANTTRADER_PYBROKER_MAX_ORDERS_PER_SECOND',
  nautilus_trader: 'ENGINE_NAUTILUS_TRADER_MAX_ORDERS_PER_SECOND',
};

/** Everything the service is configured with. Frozen. */
export interface Config {
  /** With Sentinels, only its credentials and database number are used (contract section 10). */
  readonly redisUrl: string;
  /** Empty: one Redis at `redisUrl`; else the primary is found (and followed) through these. */
  readonly redisSentinels: readonly SentinelAddress[];
  readonly redisSentinelMaster: string;
  /** Replicas that must confirm an attempt record (WAIT) before its order is sent; 0: none. */
  readonly redisMinReplicas: number;
  readonly redisWaitTimeoutMs: number;
  readonly policy: PolicySettings;
  readonly signalQueue: string;
  readonly signalQueueKind: 'stream' | 'list';
  readonly signalGroup: string;
  readonly consumerName: string;
  readonly executionEvents: string;
  readonly deadLetterQueue: string;
  readonly signalMaxAttempts: number;
  readonly inDoubtTimeoutSeconds: number;
  readonly dedupTtlSeconds: number;
  readonly executionConcurrency: number;
  readonly engineTimeoutMs: number;
  /** Unset engines are absent; `npm start` requires all three. */
  readonly engineUrls: Partial<Record<EngineId, string>>;
  /** `ENGINE_<ID>_MAX_ORDERS_PER_SECOND`; an engine without a limit is absent. */
  readonly maxOrdersPerSecond: Partial<Record<EngineId, number>>;
  readonly host: string;
  readonly port: number;
  readonly adminToken: string | undefined;
  readonly alertWebhookUrl: string | undefined;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  readonly leaderLeaseSeconds: number;
  readonly inspectWsUrl: string | undefined;
  /** `AUDIT_STREAM`: every admin write is appended here. */
  readonly auditStream: string;
  /** `EXECUTION_POSITION_AFFINITY`: exits go to the engine holding the position (section 13). */
  readonly positionAffinity: boolean;
  /** `EXECUTION_POSITION_WAIT`: how long a reducing signal waits for that engine, in seconds. */
  readonly positionWaitSeconds: number;
  /** `OUTCOME_STREAM_MAXLEN`: the outcome streams keep about this many entries; unset keeps all. */
  readonly outcomeStreamMaxLen: number | undefined;
  /** Inspector live streams (SSE) open at once; one more is answered 503. */
  readonly inspectMaxClients: number;
  /** Consumers of the group idle this long with nothing pending are removed (stream queue). */
  readonly consumerIdleRemoveSeconds: number;
  /** `SIGNAL_STREAM_TRIM_INTERVAL`: how often the leader trims the acknowledged signal entries (stream queue). */
  readonly streamTrimIntervalSeconds: number;
}

/** Each variable with its parser and default (the policy's are in policySettings.ts); a missing or empty variable takes the default. */
const VARIABLES = {
  REDIS_URL: { schema: redisUrl, fallback: 'redis://127.0.0.1:6379' },
  REDIS_SENTINELS: { schema: sentinelList, fallback: '' },
  REDIS_SENTINEL_MASTER: { schema: nonEmpty, fallback: 'mymaster' },
  REDIS_MIN_REPLICAS: { schema: wholeNumber('replicas'), fallback: '0' },
  REDIS_WAIT_TIMEOUT_MS: { schema: positiveInteger('milliseconds', MAX_TIMER_MS), fallback: '500' },
  SIGNAL_QUEUE: { schema: nonEmpty, fallback: 'execution.signals' },
  SIGNAL_QUEUE_KIND: {
    schema: z
      .string()
      .trim()
      .toLowerCase()
      .pipe(z.enum(['stream', 'list'], { error: 'stream or list' })),
    fallback: 'stream',
  },
  SIGNAL_GROUP: { schema: nonEmpty, fallback: 'execution-manager' },
  EXECUTION_EVENTS: { schema: nonEmpty, fallback: 'execution.events' },
  DEAD_LETTER_QUEUE: { schema: nonEmpty, fallback: 'execution.signals.dead' },
  SIGNAL_MAX_ATTEMPTS: { schema: positiveInteger('attempts'), fallback: '20' },
  IN_DOUBT_TIMEOUT: { schema: seconds('in-doubt timeout'), fallback: '60' },
  // A duration like the others (contract section 6: decimals accepted); the queues keep it in milliseconds.
  DEDUP_TTL_SECONDS: { schema: seconds('deduplication time', MAX_TTL_SECONDS), fallback: String(7 * 24 * 3600) },
  EXECUTION_CONCURRENCY: { schema: positiveInteger('signals at a time'), fallback: '8' },
  ENGINE_TIMEOUT_MS: { schema: positiveInteger('milliseconds', MAX_TIMER_MS), fallback: '5000' },
  HOST: { schema: nonEmpty, fallback: '127.0.0.1' },
  PORT: {
    schema: positiveInteger('port').refine((port) => port <= 65535, 'a port from 1 to 65535'),
    fallback: '8001',
  },
  LOG_LEVEL: {
    schema: z
      .string()
      .trim()
      .toLowerCase()
      .pipe(
        z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
          error: 'one of fatal, error, warn, info, debug, trace, silent',
        }),
      ),
    fallback: 'info',
  },
  LEADER_LEASE_SECONDS: { schema: seconds('lease'), fallback: '10' },
  AUDIT_STREAM: { schema: nonEmpty, fallback: 'execution.audit' },
  EXECUTION_POSITION_AFFINITY: { schema: booleanFlag, fallback: 'false' },
  EXECUTION_POSITION_WAIT: { schema: seconds('position wait'), fallback: '300' },
  // Each open page holds a connection and a queue of messages: a bound, so pages cannot exhaust them.
  INSPECT_MAX_CLIENTS: { schema: positiveInteger('open inspector streams', 100_000), fallback: '50' },
  // Compared with Redis's idle milliseconds, never a timer: it may be longer than a timer can wait.
  CONSUMER_IDLE_REMOVE_SECONDS: { schema: seconds('idle time', MAX_TTL_SECONDS), fallback: String(24 * 3600) },
  SIGNAL_STREAM_TRIM_INTERVAL: { schema: seconds('trim interval'), fallback: '60' },
} as const;

const read = variableReader(VARIABLES);

/** An optional whole number of at least 1; unset or empty is undefined. */
function optionalWhole(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const text = readOptional(env, name, positiveIntegerText);
  return text === undefined ? undefined : Number(text);
}

/** Each engine's order-rate limit; unset or empty is no limit. */
function readOrderRates(env: NodeJS.ProcessEnv): Partial<Record<EngineId, number>> {
  const rates: Partial<Record<EngineId, number>> = {};
  for (const engine of ENGINE_IDS) {
    const text = readOptional(env, ENGINE_RATE_VARIABLES[engine], ordersPerSecond);
    if (text !== undefined) rates[engine] = Number(text);
  }
  return rates;
}

/**
 * Reads and validates the whole configuration.
 * `requireEngines`: every engine URL must be set (`npm start`); the demo supplies `sim://` ones.
 * @throws ConfigError naming the first bad variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv, options: { requireEngines: boolean }): Config {
  const port = read(env, 'PORT');
  const engineUrls: Partial<Record<EngineId, string>> = {};
  for (const engine of ENGINE_IDS) {
    const variable = ENGINE_URL_VARIABLES[engine];
    const value = readOptional(env, variable, url(['http:', 'https:', 'sim:']));
    if (value !== undefined) engineUrls[engine] = value;
    else if (options.requireEngines) {
      throw new ConfigError(variable, `${variable} is not set: expected the URL of the ${engine} engine bridge (http://, https:// or sim://)`);
    }
  }
  const host = read(env, 'HOST');
  const adminToken = readOptional(env, 'ADMIN_TOKEN', nonEmpty);
  if (!isLoopbackHost(host) && adminToken === undefined) {
    throw new ConfigError('ADMIN_TOKEN', `ADMIN_TOKEN is not set: it is required when HOST (${host}) is not a loopback address`);
  }
  // Reachable from other machines, the token is all that stands between them and a pause.
  if (!isLoopbackHost(host) && adminToken !== undefined && adminToken.length < MIN_PUBLIC_TOKEN_LENGTH) {
    throw new ConfigError(
      'ADMIN_TOKEN',
      `ADMIN_TOKEN is too short: at least ${MIN_PUBLIC_TOKEN_LENGTH} characters when HOST (${host}) is not a loopback address`,
    );
  }
  const config: Config = {
    redisUrl: read(env, 'REDIS_URL'),
    redisSentinels: read(env, 'REDIS_SENTINELS'),
    redisSentinelMaster: read(env, 'REDIS_SENTINEL_MASTER'),
    redisMinReplicas: read(env, 'REDIS_MIN_REPLICAS'),
    redisWaitTimeoutMs: read(env, 'REDIS_WAIT_TIMEOUT_MS'),
    policy: loadPolicySettings(env),
    signalQueue: read(env, 'SIGNAL_QUEUE'),
    signalQueueKind: read(env, 'SIGNAL_QUEUE_KIND'),
    signalGroup: read(env, 'SIGNAL_GROUP'),
    consumerName: readOptional(env, 'CONSUMER_NAME', nonEmpty) ?? `${os.hostname()}:${port}`,
    executionEvents: read(env, 'EXECUTION_EVENTS'),
    deadLetterQueue: read(env, 'DEAD_LETTER_QUEUE'),
    signalMaxAttempts: read(env, 'SIGNAL_MAX_ATTEMPTS'),
    inDoubtTimeoutSeconds: read(env, 'IN_DOUBT_TIMEOUT'),
    dedupTtlSeconds: read(env, 'DEDUP_TTL_SECONDS'),
    executionConcurrency: read(env, 'EXECUTION_CONCURRENCY'),
    engineTimeoutMs: read(env, 'ENGINE_TIMEOUT_MS'),
    engineUrls,
    maxOrdersPerSecond: readOrderRates(env),
    host,
    port,
    adminToken,
    alertWebhookUrl: readOptional(env, 'ALERT_WEBHOOK_URL', url(['http:', 'https:'])),
    logLevel: read(env, 'LOG_LEVEL'),
    leaderLeaseSeconds: read(env, 'LEADER_LEASE_SECONDS'),
    inspectWsUrl: readOptional(env, 'INSPECT_WS_URL', url(['ws:', 'wss:'])),
    auditStream: read(env, 'AUDIT_STREAM'),
    positionAffinity: read(env, 'EXECUTION_POSITION_AFFINITY'),
    positionWaitSeconds: read(env, 'EXECUTION_POSITION_WAIT'),
    outcomeStreamMaxLen: optionalWhole(env, 'OUTCOME_STREAM_MAXLEN'),
    inspectMaxClients: read(env, 'INSPECT_MAX_CLIENTS'),
    consumerIdleRemoveSeconds: read(env, 'CONSUMER_IDLE_REMOVE_SECONDS'),
    streamTrimIntervalSeconds: read(env, 'SIGNAL_STREAM_TRIM_INTERVAL'),
  };
  return Object.freeze(config);
}
