/**
 * The service's Redis connection (contract section 10): one Redis at REDIS_URL, or the primary that
 * Sentinel names, followed through failovers by the same client object; and the two replica checks
 * that REDIS_MIN_REPLICAS needs (WAIT after an attempt record, and the count `/ready` reports).
 *
 * How a Sentinel client follows the primary (ioredis 6):
 * - every connect and reconnect asks a Sentinel for the primary, and the ready check refuses a node
 *   whose INFO says it is a replica (then the next Sentinel is asked);
 * - a watch on the Sentinels' `+switch-master` (sentinelFailovers.ts, not ioredis's own detector,
 *   which can end a reconnecting client for good) drops a ready connection when one announces a
 *   failover, so a primary that is alive but demoted, or frozen, is left at once instead of when
 *   its socket fails;
 * - a Sentinel that accepts the connection but does not answer (frozen, overloaded) is given up
 *   after {@link SENTINEL_ANSWER_TIMEOUT_MS} and the next one asked: without a limit, ioredis
 *   waits for it for ever, and so does every command;
 * - `reconnectOnError` covers what the detector misses (a primary demoted by hand, a lost Sentinel
 *   message): a `READONLY` reply or a blocking read ended by the demotion (`UNBLOCKED ... instance
 *   state changed`) reconnects and resends that command, which the old primary did not execute.
 * A connection and its duplicates ({@link duplicateConnection}: the blocking reads', the attempt
 * records') share one watch.
 *
 * Not fail-fast: while no Sentinel answers at all, ioredis retries them within one connect attempt,
 * and commands wait queued until one answers, where they fail after one retry while a primary the
 * Sentinels named is unreachable. Blocking reads still end by their own limit (blockingConnection.ts).
 */
import { Redis, type RedisOptions } from 'ioredis';
import { sleep, systemClock, type Clock } from '../clock.js';
import type { Config, SentinelAddress } from '../config/config.js';
import type { Logger } from '../log.js';
import { watchFailovers, type FailoverWatch } from './sentinelFailovers.js';

/** Where the service's Redis is: from the configuration, see {@link redisConnectionOptions}. */
export interface RedisConnectionOptions {
  /** REDIS_URL; with Sentinels only its credentials, database number and `rediss:` are used. */
  readonly url: string;
  /** Empty: one Redis at `url`. */
  readonly sentinels: readonly SentinelAddress[];
  readonly sentinelMaster: string;
}

/** The connection options the configuration describes. */
export function redisConnectionOptions(config: Pick<Config, 'redisUrl' | 'redisSentinels' | 'redisSentinelMaster'>): RedisConnectionOptions {
  return { url: config.redisUrl, sentinels: config.redisSentinels, sentinelMaster: config.redisSentinelMaster };
}

/**
 * Both modes fail a command fast during an outage (one retry) and reconnect by themselves.
 * Auto-pipelining stays off: the hot path already sends one script call per batch, and ioredis's
 * coalescing costs more than it saves (a pipeline object per tick; in alternating runs the whole
 * pipeline moved about a quarter more signals per second without it, issue 10).
 */
const FAIL_FAST: RedisOptions = {
  maxRetriesPerRequest: 1,
  retryStrategy: (times) => Math.min(times * 100, 2000),
  enableAutoPipelining: false,
};

/**
 * Whether a reply error means the node is no longer the primary: a write refused by a replica, or a
 * blocking read the server ended when it became one. Not the other UNBLOCKED errors (CLIENT UNBLOCK
 * with ERROR, a deleted stream): those are answers to give the caller.
 */
export function isDemotedPrimaryError(error: Error): boolean {
  return error.message.startsWith('READONLY') || /^UNBLOCKED\b.*instance state changed/.test(error.message);
}

/** The credentials, database and TLS of REDIS_URL, read as ioredis reads them for one Redis. */
function urlParts(url: string): Pick<RedisOptions, 'username' | 'password' | 'db' | 'tls' | 'enableTLSForSentinelMode'> {
  const parsed = new URL(url);
  const credentials =
    parsed.username === '' && parsed.password === '' ? {} : { username: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) };
  // The configuration allows only digits as the path.
  const db = parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0;
  // rediss: TLS to the primary; the Sentinels themselves are asked in plain text.
  const tls = parsed.protocol === 'rediss:' ? { tls: {}, enableTLSForSentinelMode: true } : {};
  return { ...credentials, db, ...tls };
}

/** Logs an outage once and its end once, however many errors and retries lie between. */
function outageLog(log: Logger, options: { readonly sentinel: boolean }) {
  let down = false;
  let demotionSeen = false;
  let primary: string | null = null;
  const lost = (message: string, error?: Error): void => {
    if (!down) log.error(error === undefined ? {} : { err: error }, message);
    down = true;
  };
  // Apart from `down`: the blocking connection (a duplicate, same options) reports here too.
  const demoted = (error: Error): void => {
    if (!demotionSeen) log.warn({ err: error }, 'Redis primary was demoted; reconnecting to the one Sentinel names and resending');
    demotionSeen = true;
  };
  const watch = (redis: Redis): void => {
    redis.on('error', (error: Error) => lost('Redis connection error; reconnecting', error));
    redis.on('ready', () => {
      if (options.sentinel) {
        const address = `${redis.stream.remoteAddress ?? '?'}:${redis.stream.remotePort ?? '?'}`;
        if (primary !== null && address !== primary) log.warn({ primary: address, previous: primary }, 'Redis primary changed; following it');
        primary = address;
      }
      if (down) log.info('Redis connection restored');
      down = false;
      demotionSeen = false;
    });
    if (!options.sentinel) return;
    // A failover seen by the detector closes the connection without any error.
    redis.on('close', () => {
      if (redis.status !== 'end') lost('Redis connection closed; asking Sentinel for the primary');
    });
  };
  return { demoted, watch };
}

/** How long a Sentinel may take to name the primary before the next one is asked. */
export const SENTINEL_ANSWER_TIMEOUT_MS = 1000;

/** The failover watch of each Sentinel connection, which its duplicates join. */
const failoverWatches = new WeakMap<Redis, FailoverWatch>();

function connectSentinel(options: RedisConnectionOptions, log: Logger): Redis {
  const outages = outageLog(log, { sentinel: true });
  const redis = new Redis({
    ...FAIL_FAST,
    ...urlParts(options.url),
    sentinels: options.sentinels.map(({ host, port }) => ({ host, port })),
    name: options.sentinelMaster,
    sentinelCommandTimeout: SENTINEL_ANSWER_TIMEOUT_MS,
    reconnectOnError: (error) => {
      if (!isDemotedPrimaryError(error)) return false;
      outages.demoted(error);
      return 2;
    },
  });
  const watch = watchFailovers({ sentinels: options.sentinels, masterName: options.sentinelMaster });
  watch.follow(redis);
  failoverWatches.set(redis, watch);
  redis.once('end', () => watch.close());
  trackSessions(redis);
  outages.watch(redis);
  return redis;
}

/**
 * A second connection with the options of `redis` and `overrides`; through Sentinel it follows
 * failovers as `redis` does. Its owner disconnects it.
 */
export function duplicateConnection(redis: Redis, overrides: Partial<RedisOptions> = {}): Redis {
  const duplicate = redis.duplicate(overrides);
  failoverWatches.get(redis)?.follow(duplicate);
  return duplicate;
}

/**
 * The service's Redis connection. One Redis: the same as `connectRedis` in `service.ts`. Sentinel:
 * the primary the Sentinels name, followed through failovers (see the module comment).
 */
export function connectRedis(options: RedisConnectionOptions, log: Logger): Redis {
  if (options.sentinels.length > 0) return connectSentinel(options, log);
  const redis = new Redis(options.url, FAIL_FAST);
  trackSessions(redis);
  outageLog(log, { sentinel: false }).watch(redis);
  return redis;
}

const sessions = new WeakMap<Redis, { count: number }>();

function trackSessions(redis: Redis): { count: number } {
  let session = sessions.get(redis);
  if (session === undefined) {
    const counter = { count: 0 };
    redis.on('ready', () => {
      counter.count++;
    });
    sessions.set(redis, counter);
    session = counter;
  }
  return session;
}

/**
 * Which connection `redis` is on: a number that changes with every reconnect. Take it before a
 * write that {@link waitForReplicas} is to confirm.
 */
export function connectionSession(redis: Redis): number {
  return trackSessions(redis).count;
}

/** How much longer than its own timeout a WAIT may take to answer before it counts as 0. */
const WAIT_REPLY_GRACE_MS = 1000;

/**
 * How many replicas confirm this connection's writes so far (WAIT), waiting at most `timeoutMs`
 * for `count` of them. WAIT covers what the server it runs on holds up to the connection's last
 * command; after a reconnect that may be another server (a promoted replica) without the write,
 * whose own replicas confirm at once. Given `sinceSession` ({@link connectionSession} taken before
 * the write), a reconnect since then answers 0: unconfirmed, try again. A primary that does not
 * answer at all (frozen) answers 0 too, a second after the timeout.
 */
export async function waitForReplicas(
  redis: Redis,
  count: number,
  timeoutMs: number,
  options: { readonly sinceSession?: number; readonly clock?: Clock } = {},
): Promise<number> {
  const answered = new AbortController();
  const noAnswer = sleep(options.clock ?? systemClock, timeoutMs + WAIT_REPLY_GRACE_MS, answered.signal).then(() => 0);
  const waiting = redis.wait(count, timeoutMs);
  // Abandoned after the grace: its late reply or error must not surface anywhere.
  waiting.catch(() => {});
  try {
    const confirmed = await Promise.race([waiting, noAnswer]);
    if (options.sinceSession !== undefined && connectionSession(redis) !== options.sinceSession) return 0;
    return confirmed;
  } finally {
    answered.abort();
  }
}

/**
 * A replica confirms writes, for `/ready`, when the primary lists it `state=online` and its last
 * acknowledgement is at most this old. Replicas acknowledge once a second and INFO rounds the lag
 * down to whole seconds, so a healthy one shows 0 or 1; 2 leaves room for a busy moment.
 */
export const MAX_CONFIRMING_LAG_SECONDS = 2;

/** The replicas an `INFO replication` text lists as confirming (see {@link MAX_CONFIRMING_LAG_SECONDS}). */
export function confirmingReplicasIn(info: string, maxLagSeconds: number = MAX_CONFIRMING_LAG_SECONDS): number {
  let confirming = 0;
  for (const line of info.split(/\r?\n/)) {
    const match = /^slave\d+:(.*)$/.exec(line.trim());
    if (match === null) continue;
    const fields = new Map((match[1] ?? '').split(',').map((pair) => pair.split('=', 2) as [string, string | undefined]));
    const lag = Number(fields.get('lag'));
    if (fields.get('state') === 'online' && Number.isFinite(lag) && lag <= maxLagSeconds) confirming++;
  }
  return confirming;
}

/** How many replicas of the primary `redis` is on confirm writes now, for `/ready`. */
export async function replicasConfirming(redis: Redis, maxLagSeconds: number = MAX_CONFIRMING_LAG_SECONDS): Promise<number> {
  return confirmingReplicasIn(await redis.info('replication'), maxLagSeconds);
}
