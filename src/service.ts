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
import { initialContext } from '../machines/policy.js';
import { ConfigError, ENGINE_URL_VARIABLES, LEADER_KEY, POLICY_STATE_KEY, leaderEpochKey, type Config } from './config.js';
import { createEngine } from './engines/createEngine.js';
import type { ExecutionEngine } from './engines/types.js';
import type { ExecutionManager } from './execution/manager.js';
import { createApp } from './http/app.js';
import { startLeaderTerm, type LeaderTerm } from './service/leaderTerm.js';
import type { Logger } from './log.js';
import { createMetrics, type Metrics } from './metrics.js';
import { standbyControl, type PolicyControl } from './policy/control.js';
import { createLeaderLease } from './service/lease.js';
import { connectRedis, redisConnectionOptions, replicasConfirming, waitForReplicas } from './service/redisConnection.js';
import { isOwnDeadHolder, leaseHolder } from './service/leaseHolder.js';
import { loadPolicyState } from './policy/persistence.js';
import type { PolicyRuntime } from './policy/runtime.js';
import { statusOf, type Role, type StatusJson } from './policy/status.js';
import { createListQueue } from './signals/listQueue.js';
import type { SignalQueue, TermFence } from './signals/queue.js';
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
  /** The Redis key of the leader lease; the contract's `execution.leader` unless a test isolates itself. */
  readonly leaderKey?: string;
  /** Serve HTTP; false in tests that use `app.request()`. Default true. */
  readonly listen?: boolean;
}

/** The running service. */
export interface RunningService {
  readonly config: Config;
  /** The policy this instance drives; throws on a standby (see `role()` and `onPolicy`). */
  readonly policy: PolicyRuntime;
  /** The consumer of this leader term; throws on a standby. */
  readonly manager: ExecutionManager;
  readonly engines: Partial<Record<EngineId, ExecutionEngine>>;
  /** Whether this instance leads now. */
  role(): Role;
  /** The epoch of the term this instance leads; null on a standby. */
  leaderEpoch(): number | null;
  /** Called with each new term's policy when this instance becomes leader, and null when it steps down. */
  onPolicy(listener: (runtime: PolicyRuntime | null) => void): () => void;
  readonly metrics: Metrics;
  readonly app: Hono;
  readonly alerter: Alerter;
  /** The bound URL when listening, such as `http://127.0.0.1:8001`. */
  readonly url: string | null;
  /** Stops consuming, finishes signals in flight, saves the policy state, closes everything. Idempotent. */
  stop(): Promise<void>;
}

/** `/ready`'s view of Redis: it answers, and with `REDIS_MIN_REPLICAS` enough replicas confirm writes. */
async function redisReady(redis: Redis | null, minReplicas: number): Promise<boolean> {
  if (redis === null) return true;
  if (redis.status !== 'ready') return false;
  const timeout = new Promise<'timeout'>((resolve) => {
    setTimeout(() => resolve('timeout'), 1000).unref();
  });
  try {
    if ((await Promise.race([redis.ping(), timeout])) !== 'PONG') return false;
    if (minReplicas === 0) return true;
    const confirming = await Promise.race([replicasConfirming(redis), timeout]);
    return confirming !== 'timeout' && confirming >= minReplicas;
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

function buildQueue(config: Config, redis: Redis, fence: TermFence, log: Logger): SignalQueue {
  const destinations = {
    eventsStream: config.executionEvents,
    deadLetterStream: config.deadLetterQueue,
    dedupTtlSeconds: config.dedupTtlSeconds,
    fence,
    ...(config.redisMinReplicas > 0 ? { replicas: { minReplicas: config.redisMinReplicas, timeoutMs: config.redisWaitTimeoutMs } } : {}),
  };
  return config.signalQueueKind === 'stream'
    ? createStreamQueue({ redis, stream: config.signalQueue, group: config.signalGroup, consumer: config.consumerName, ...destinations,
        consumerIdleRemoveMs: config.consumerIdleRemoveSeconds * 1000, log })
    : createListQueue({ redis, list: config.signalQueue, ...destinations });
}

/** How long to wait before trying to lead again after a failed start of a term. */
const LEAD_RETRY_MS = 2000;

/** The status a standby answers: the persisted state, or a fresh policy when there is none. */
async function standbyStatus(redis: Redis, keys: { state: string; epoch: string }, config: Config): Promise<StatusJson> {
  const [loaded, epoch] = await Promise.all([loadPolicyState(redis, keys.state, config.policy), redis.get(keys.epoch)]);
  const state = loaded.kind === 'found' ? loaded.state : { value: 'primaryActive', context: initialContext(config.policy) };
  const leaderEpoch = epoch === null || !/^\d+$/.test(epoch) ? null : Number(epoch);
  return statusOf(state, { role: 'standby', now: Date.now(), leaderEpoch });
}

/** Starts the whole service: as leader when it wins the lease (or has no Redis), else as a standby. */
export async function startService(options: ServiceOptions): Promise<RunningService> {
  const { config, log } = options;
  const stateKey = options.stateKey ?? POLICY_STATE_KEY;
  const redis = options.redis === undefined ? connectRedis(redisConnectionOptions(config), log) : options.redis;
  const engines = options.engines ?? buildEngines(config);
  if (options.queue === undefined && redis === null) throw new Error('startService needs a queue when it has no Redis');
  const alerter = createAlerter({ log, webhookUrl: config.alertWebhookUrl });
  let term: LeaderTerm | null = null;
  let queue: SignalQueue | null = null;
  const metrics = createMetrics({ queueDepth: async () => (queue === null ? 0 : queue.depth()) });
  const policyListeners = new Set<(runtime: PolicyRuntime | null) => void>();

  const leaseMs = config.leaderLeaseSeconds * 1000;
  const leaderKey = options.leaderKey ?? LEADER_KEY;
  const epochKey = leaderEpochKey(leaderKey);
  const lease =
    redis === null
      ? null
      : createLeaderLease({
          redis,
          key: leaderKey,
          epochKey,
          holderId: leaseHolder(config.consumerName),
          takeOverIf: (holder) => isOwnDeadHolder(holder, config.consumerName),
          // A term whose epoch a promoted replica could forget must not begin.
          ...(config.redisMinReplicas > 0
            ? {
                readyToLead: async () => (await replicasConfirming(redis)) >= config.redisMinReplicas,
                confirmTerm: async () => (await waitForReplicas(redis, config.redisMinReplicas, config.redisWaitTimeoutMs)) >= config.redisMinReplicas,
              }
            : {}),
          leaseMs,
          log,
        });
  const stillLeader = (): boolean => lease === null || lease.isHeld();

  const becomeLeader = async (): Promise<void> => {
    if (term !== null || stopped) return;
    const leaseTerm = lease?.term() ?? null;
    // The term may have ended while this step waited its turn.
    if (lease !== null && leaseTerm === null) return;
    const fence: TermFence | null = leaseTerm === null ? null : { leaseKey: leaderKey, token: leaseTerm.token, epoch: leaseTerm.epoch };
    queue = options.queue ?? (redis === null || fence === null ? null : buildQueue(config, redis, fence, log));
    if (queue === null) throw new Error('startService needs a queue when it has no Redis');
    term = await startLeaderTerm({
      config,
      log,
      redis,
      stateKey,
      engines,
      queue,
      alerter,
      metrics,
      inspect: options.inspect,
      fence,
      stillLeader,
      onFenced: (seenEpoch) => void lease?.fence(seenEpoch),
      // What a former leader read after its lease ran out is left pending on it: take it over.
      reclaimIdleMs: lease === null ? undefined : leaseMs,
    });
    log.info({ role: 'leader', epoch: term.epoch }, 'this instance leads: it consumes signals and drives the policy');
    for (const listener of policyListeners) listener(term.runtime);
  };
  const becomeStandby = async (): Promise<void> => {
    const ending = term;
    term = null;
    for (const listener of policyListeners) listener(null);
    if (ending !== null) {
      log.warn({ role: 'standby' }, 'stepping down: no new dispatch; finishing what is in flight');
      await ending.stop();
    }
  };
  let switching: Promise<void> = Promise.resolve();
  const switchRole = (leader: boolean): Promise<void> => {
    switching = switching
      .then(() => (leader ? becomeLeader() : becomeStandby()))
      .catch((error: unknown) => {
        log.error({ err: error }, leader ? 'could not start leading; trying again shortly' : 'could not step down cleanly');
        // Holding the lease without leading would stop every instance: try again while it is ours.
        if (leader) setTimeout(() => (stopped || !stillLeader() ? undefined : void switchRole(true)), LEAD_RETRY_MS).unref();
      });
    return switching;
  };

  const refuseOnStandby = standbyControl(async () => {
    if (redis === null) throw new Error('no Redis to read the policy state from');
    return standbyStatus(redis, { state: stateKey, epoch: epochKey }, config);
  });
  const control: PolicyControl = {
    status: () => (term ?? { control: refuseOnStandby }).control.status(),
    pause: (reason) => (term ?? { control: refuseOnStandby }).control.pause(reason),
    resume: () => (term ?? { control: refuseOnStandby }).control.resume(),
    switchTo: (engine) => (term ?? { control: refuseOnStandby }).control.switchTo(engine),
    isRunning: () => term !== null && term.control.isRunning(),
  };

  let server: ServerType | null = null;
  let url: string | null = null;
  let stopped = false;
  let stopping: Promise<void> | null = null;
  const stop = async (): Promise<void> => {
    log.info('stopping: no new signals are taken; finishing those in flight');
    stopped = true;
    await switching;
    await term?.stop();
    term = null;
    // Let a standby take over at once rather than after the lease runs out.
    await lease?.release();
    await alerter.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    if (options.redis === undefined && redis !== null) redis.disconnect();
    log.info('stopped');
  };
  const current = (): LeaderTerm => {
    if (term === null) throw new Error('this instance is a standby: it runs no policy and consumes nothing');
    return term;
  };
  const service: RunningService = {
    config,
    engines,
    metrics,
    alerter,
    get policy() {
      return current().runtime;
    },
    get manager() {
      return current().manager;
    },
    role: () => (term === null ? 'standby' : 'leader'),
    leaderEpoch: () => term?.epoch ?? null,
    onPolicy(listener) {
      policyListeners.add(listener);
      return () => policyListeners.delete(listener);
    },
    get app() {
      return app;
    },
    get url() {
      return url;
    },
    stop: () => (stopping ??= stop()),
  };
  // Built once `service` exists, so that `extendApp` may use it.
  const app = createApp({
    control,
    redisReady: () => redisReady(redis, config.redisMinReplicas),
    metrics: metrics.registry,
    adminToken: config.adminToken,
    log,
    extend: (built) => options.extendApp?.(built, service),
  });

  if (lease === null) {
    await switchRole(true);
  } else {
    lease.onChange((held) => void switchRole(held !== null));
    await lease.start();
    await switching;
    if (!lease.isHeld()) log.info({ role: 'standby' }, 'another instance leads: this one answers status and waits for the lease');
  }
  // Listening once the role is known: a leader is ready when it first answers.
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
  return service;
}
