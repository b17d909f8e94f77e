/**
 * An in-process service for integration tests: configured through `loadConfig` from an env-like
 * object (as `npm start` is), on key names of its own in the shared test Redis, with admin calls
 * through `app.request()` and its log lines captured.
 */
import { Writable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { EngineId } from '../../machines/engines.js';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/log.js';
import type { StatusJson } from '../../src/policy/status.js';
import { startService, type RunningService } from '../../src/service/service.js';
import { processingKey } from '../../src/signals/keys.js';

/** The queue kinds a Redis-backed service reads. */
export type QueueKind = 'stream' | 'list';

/** The Redis key names one test uses, all under its own prefix. */
export interface ServiceKeys {
  readonly prefix: string;
  readonly signalQueue: string;
  readonly executionEvents: string;
  readonly deadLetterQueue: string;
  readonly signalGroup: string;
  readonly consumerName: string;
  readonly stateKey: string;
  /** The leader lease's key (the contract's `execution.leader` is shared by every test otherwise). */
  readonly leaderKey: string;
}

/** Key names under `prefix` (from `uniquePrefix()`), so tests never see each other's signals. */
export function serviceKeys(prefix: string): ServiceKeys {
  return {
    prefix,
    signalQueue: `${prefix}signals`,
    executionEvents: `${prefix}events`,
    deadLetterQueue: `${prefix}dead`,
    signalGroup: `${prefix}group`,
    consumerName: `${prefix}consumer`,
    stateKey: `${prefix}state`,
    leaderKey: `${prefix}leader`,
  };
}

/** What a test service is started with. */
export interface TestServiceOptions {
  readonly redisUrl: string;
  readonly keys: ServiceKeys;
  readonly kind: QueueKind;
  /** Base URL of each engine's bridge. */
  readonly engineUrls: Record<EngineId, string>;
  /** Further variables (timings, thresholds, ADMIN_TOKEN), overriding the defaults below. */
  readonly env?: Readonly<Record<string, string>>;
}

/** One captured log line. */
export type LogLine = Readonly<Record<string, unknown>>;

/** A running in-process service and what a test needs around it. */
export interface TestService {
  readonly service: RunningService;
  /** Every JSON log line written so far, oldest first. */
  readonly logs: readonly LogLine[];
  /** `GET /admin/execution-status` through the app. */
  status(): Promise<StatusJson>;
  /** Any request to the app, such as an admin command. */
  request(path: string, init?: RequestInit): Promise<Response>;
  /** Stops the service (idempotent). */
  stop(): Promise<void>;
}

/** Timings short enough for tests; each test overrides what it is about. */
const FAST_DEFAULTS: Readonly<Record<string, string>> = {
  ENGINE_TIMEOUT_MS: '300',
  EXECUTION_HEALTH_CHECK_INTERVAL: '0.2',
  EXECUTION_FAILOVER_TIMEOUT: '1',
  EXECUTION_FAILOVER_THRESHOLD: '2',
  EXECUTION_RECOVERY_SUCCESSES: '2',
  IN_DOUBT_TIMEOUT: '2',
  LOG_LEVEL: 'debug',
};

/** A writable that parses each JSON line pino writes into `lines`. */
export function lineCollector(lines: LogLine[]): Writable {
  let partial = '';
  return new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      partial += chunk.toString();
      const complete = partial.split('\n');
      partial = complete.pop() ?? '';
      for (const text of complete) {
        if (text.trim() === '') continue;
        try {
          lines.push(JSON.parse(text) as LogLine);
        } catch (error) {
          callback(new Error(`The service wrote a log line that is not JSON: ${text}`, { cause: error }));
          return;
        }
      }
      callback();
    },
  });
}

/** The environment a test service is configured from. */
export function serviceEnv(options: TestServiceOptions): Record<string, string> {
  const { keys } = options;
  return {
    REDIS_URL: options.redisUrl,
    SIGNAL_QUEUE: keys.signalQueue,
    SIGNAL_QUEUE_KIND: options.kind,
    SIGNAL_GROUP: keys.signalGroup,
    CONSUMER_NAME: keys.consumerName,
    EXECUTION_EVENTS: keys.executionEvents,
    DEAD_LETTER_QUEUE: keys.deadLetterQueue,
    ENGINE_LEAN_SELF_HOSTED_URL: options.engineUrls.lean_self_hosted,
    ENGINE_QUANTTRADER_PYBROKER_URL: options.engineUrls.quanttrader_pybroker,
    ENGINE_NAUTILUS_TRADER_URL: options.engineUrls.nautilus_trader,
    ...FAST_DEFAULTS,
    ...options.env,
  };
}

/** Starts the service in-process, configured as `npm start` would be, without listening. */
export async function startTestService(options: TestServiceOptions): Promise<TestService> {
  const config = loadConfig(serviceEnv(options), { requireEngines: true });
  const logs: LogLine[] = [];
  const log = createLogger(config.logLevel, lineCollector(logs));
  const service = await startService({ config, log, stateKey: options.keys.stateKey, leaderKey: options.keys.leaderKey, listen: false });
  const request = async (path: string, init?: RequestInit): Promise<Response> => service.app.request(path, init);
  return {
    service,
    logs,
    request,
    async status() {
      const response = await request('/admin/execution-status', {
        headers: config.adminToken === undefined ? {} : { Authorization: `Bearer ${config.adminToken}` },
      });
      if (response.status !== 200) throw new Error(`execution-status answered ${response.status}: ${await response.text()}`);
      return (await response.json()) as StatusJson;
    },
    stop: () => service.stop(),
  };
}

/** A POST with a JSON body (or none), as the admin API takes it. */
export function postJson(body?: unknown, headers: Record<string, string> = {}): RequestInit {
  return {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  };
}

/** Polls `probe` until it returns something other than undefined or false, or fails after `timeoutMs`. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`, last === undefined ? {} : { cause: last });
    }
    await delay(20);
  }
}

/** Adds a signal's raw text the way a producer does: XADD field `signal`, or LPUSH. */
export async function produce(redis: Redis, keys: ServiceKeys, kind: QueueKind, raw: string): Promise<void> {
  if (kind === 'stream') await redis.xadd(keys.signalQueue, '*', 'signal', raw);
  else await redis.lpush(keys.signalQueue, raw);
}

/** Signals taken by the service and not settled: XPENDING of the group, or the processing list. */
export async function pendingCount(redis: Redis, keys: ServiceKeys, kind: QueueKind): Promise<number> {
  if (kind === 'list') return redis.llen(processingKey(keys.signalQueue));
  const [count] = await redis.xpending(keys.signalQueue, keys.signalGroup);
  return Number(count);
}

/** Signals not yet taken: the group's lag (entries never delivered), or the list's length. */
export async function waitingCount(redis: Redis, keys: ServiceKeys, kind: QueueKind): Promise<number> {
  if (kind === 'list') return redis.llen(keys.signalQueue);
  const groups = (await redis.xinfo('GROUPS', keys.signalQueue)) as unknown[];
  for (const group of groups) {
    if (!Array.isArray(group)) continue;
    const field = (name: string): unknown => group[group.indexOf(name) + 1];
    if (field('name') !== keys.signalGroup) continue;
    const lag = field('lag');
    if (typeof lag !== 'number') throw new Error(`XINFO GROUPS gave no lag for ${keys.signalGroup}: Redis 7 or later is needed`);
    return lag;
  }
  throw new Error(`No consumer group ${keys.signalGroup} on ${keys.signalQueue}`);
}

/** Every entry of a stream as a field record, oldest first. */
export async function streamRecords(redis: Redis, key: string): Promise<Record<string, string>[]> {
  const entries = await redis.xrange(key, '-', '+');
  return entries.map(([, fields]) => {
    const record: Record<string, string> = {};
    for (let index = 0; index + 1 < fields.length; index += 2) record[fields[index] ?? ''] = fields[index + 1] ?? '';
    return record;
  });
}

/** A valid signal's JSON text; `fields` override or add fields. */
export function signalJson(signalId: string, fields: Record<string, unknown> = {}): string {
  return JSON.stringify({
    signal_id: signalId,
    symbol: 'AAPL',
    action: 'BUY',
    quantity: 10,
    order_type: 'LIMIT',
    limit_price: 187.5,
    strategy_id: 'momentum',
    timestamp: '2026-11-25T14:30:00Z',
    ...fields,
  });
}
