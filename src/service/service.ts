/**
 * One running instance, assembled: Redis, engines, metrics, alerts, the lease and the roles
 * (standby or leader of one term at a time), the HTTP app and its server. `main.ts` and `demo.ts`
 * differ only in what they hand in (and plug the inspector in through `inspect` and `extendApp`);
 * tests start it in-process the same way.
 */
import { serve, type ServerType } from '@hono/node-server';
import type { Hono } from 'hono';
import type { Redis } from 'ioredis';
import type { InspectionEvent } from 'xstate';
import type { EngineId } from '../../machines/engines.js';
import { createAlerter, type Alerter } from '../alerts.js';
import { LEADER_KEY, POLICY_STATE_KEY, leaderEpochKey, type Config } from '../config/config.js';
import type { ExecutionEngine } from '../engines/types.js';
import type { ExecutionManager } from '../execution/manager.js';
import { createApp } from '../http/app.js';
import type { AuditEntry } from '../http/audit.js';
import { redisAuditTrail } from '../http/auditRoutes.js';
import { createDeadLetters } from '../signals/deadLetters.js';
import { isMemoryQueue } from '../signals/memoryQueue.js';
import { createPositionLedger, type PositionLedger } from '../signals/positions.js';
import { createOrderRateLimiter } from '../execution/orderRate.js';
import { systemClock } from '../clock.js';
import type { Logger } from '../log.js';
import { createMetrics, type Metrics } from '../metrics.js';
import { standbyControl, type PolicyControl } from '../policy/control.js';
import type { PolicyRuntime } from '../policy/runtime.js';
import type { Role } from '../policy/status.js';
import type { SignalQueue, TermFence } from '../signals/queue.js';
import { buildEngines, buildQueue } from './build.js';
import type { UnsavedPolicyState } from '../policy/persistence.js';
import { startLeaderTerm, type LeaderTerm } from './leaderTerm.js';
import { createLeaderLease, type LeaderLease } from './lease.js';
import { isOwnDeadHolder, leaseHolder } from './leaseHolder.js';
import { connectRedis, redisConnectionOptions, replicasConfirming, waitForReplicas } from './redisConnection.js';
import { startRoles } from './roles.js';
import { redisReady, standbyStatus } from './standby.js';

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

/** The lease of this instance, with the replica checks `REDIS_MIN_REPLICAS` asks for. */
function leaseFor(config: Config, redis: Redis, log: Logger, keys: { lease: string; epoch: string }): LeaderLease {
  return createLeaderLease({
    redis,
    key: keys.lease,
    epochKey: keys.epoch,
    holderId: leaseHolder(config.consumerName),
    takeOverIf: (holder) => isOwnDeadHolder(holder, config.consumerName),
    // A term whose epoch a promoted replica could forget must not begin.
    ...(config.redisMinReplicas > 0
      ? {
          readyToLead: async () => (await replicasConfirming(redis)) >= config.redisMinReplicas,
          confirmTerm: async () => (await waitForReplicas(redis, config.redisMinReplicas, config.redisWaitTimeoutMs)) >= config.redisMinReplicas,
        }
      : {}),
    leaseMs: config.leaderLeaseSeconds * 1000,
    log,
  });
}

/** The audit stream keeps about this many entries: anyone who can reach /admin can write to it. */
const AUDIT_STREAM_MAXLEN = 100_000;

/** Appends one admin write to `AUDIT_STREAM`. */
function recordAudit(redis: Redis, stream: string, entry: AuditEntry): Promise<unknown> {
  return redis.xadd(
    stream,
    'MAXLEN',
    '~',
    AUDIT_STREAM_MAXLEN,
    '*',
    'action',
    entry.action,
    'params',
    entry.params,
    'result',
    entry.result,
    'remote',
    entry.remote,
    'at',
    entry.at,
  );
}

/** With `EXECUTION_POSITION_AFFINITY`, the ledger: in Redis, or the in-process queue's own. */
function positionLedgerFor(config: Config, redis: Redis | null, queue: SignalQueue | undefined): PositionLedger | null {
  if (!config.positionAffinity) return null;
  if (redis !== null) return createPositionLedger(redis, config.signalQueue);
  return queue !== undefined && isMemoryQueue(queue) ? queue.positions : null;
}

/** Listens on HOST and PORT; answers the server and its URL. */
async function listen(app: Hono, config: Config): Promise<{ server: ServerType; url: string }> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: config.host, port: config.port }, (info) => {
      resolve({ server, url: `http://${info.family === 'IPv6' ? `[${info.address}]` : info.address}:${info.port}` });
    });
    server.once('error', (error) => reject(new Error(`Could not listen on ${config.host}:${config.port}`, { cause: error })));
  });
}

/** Starts the whole service: as leader when it wins the lease (or has no Redis), else as a standby. */
export async function startService(options: ServiceOptions): Promise<RunningService> {
  const { config, log } = options;
  const stateKey = options.stateKey ?? POLICY_STATE_KEY;
  const leaderKey = options.leaderKey ?? LEADER_KEY;
  const epochKey = leaderEpochKey(leaderKey);
  const redis = options.redis === undefined ? connectRedis(redisConnectionOptions(config), log) : options.redis;
  const engines = options.engines ?? buildEngines(config);
  if (options.queue === undefined && redis === null) throw new Error('startService needs a queue when it has no Redis');
  const alerter = createAlerter({ log, webhookUrl: config.alertWebhookUrl });
  let term: LeaderTerm | null = null;
  // What the last term could not save (Redis was away): the next term of this process resumes it.
  let unsavedPolicyState: UnsavedPolicyState | null = null;
  let queue: SignalQueue | null = null;
  const positions = positionLedgerFor(config, redis, options.queue);
  const orderRate = createOrderRateLimiter(config.maxOrdersPerSecond, systemClock);
  const metrics = createMetrics({
    queueDepth: async () => (queue === null ? 0 : queue.depth()),
    ...(positions === null ? {} : { openPositions: () => positions.openPairs() }),
  });
  const policyListeners = new Set<(runtime: PolicyRuntime | null) => void>();
  const lease = redis === null ? null : leaseFor(config, redis, log, { lease: leaderKey, epoch: epochKey });

  const lead = async (epoch: number): Promise<void> => {
    const leaseTerm = lease?.term() ?? null;
    // The term this start was for has ended already: the roles start the next one.
    if (lease !== null && leaseTerm?.epoch !== epoch) return;
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
      positions,
      orderRate,
      stillLeader: () => lease === null || lease.isHeld(),
      onFenced: (seenEpoch) => void lease?.fence(seenEpoch),
      // What a former leader read after its lease ran out is left pending on it: take it over.
      reclaimIdleMs: lease === null ? undefined : config.leaderLeaseSeconds * 1000,
      unsavedPolicyState,
    });
    unsavedPolicyState = null;
    log.info({ role: 'leader', epoch: term.epoch }, 'this instance leads: it consumes signals and drives the policy');
    for (const listener of policyListeners) listener(term.runtime);
  };
  const stepDown = async (): Promise<void> => {
    const ending = term;
    term = null;
    for (const listener of policyListeners) listener(null);
    await ending?.stop();
    if (ending !== null) unsavedPolicyState = ending.unsavedPolicyState();
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
    startMaintenance: (engine, reason, until) => (term ?? { control: refuseOnStandby }).control.startMaintenance(engine, reason, until),
    endMaintenance: (engine) => (term ?? { control: refuseOnStandby }).control.endMaintenance(engine),
    isRunning: () => term !== null && term.control.isRunning(),
  };

  let server: ServerType | null = null;
  let url: string | null = null;
  let stopping: Promise<void> | null = null;
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
    stop: () =>
      (stopping ??= (async () => {
        log.info('stopping: no new signals are taken; finishing those in flight');
        await roles.stop();
        // Let a standby take over at once rather than after the lease runs out.
        await lease?.release();
        await alerter.close();
        await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
        if (options.redis === undefined && redis !== null) redis.disconnect();
        log.info('stopped');
      })()),
  };
  // Built once `service` exists, so that `extendApp` may use it.
  const app = createApp({
    control,
    redisReady: () => redisReady(redis, config.redisMinReplicas),
    metrics: metrics.registry,
    adminToken: config.adminToken,
    log,
    positions,
    deadLetters:
      redis === null ? null : createDeadLetters({ redis, stream: config.deadLetterQueue, queue: config.signalQueue, queueKind: config.signalQueueKind }),
    ...(redis === null ? {} : { audit: (entry: AuditEntry) => recordAudit(redis, config.auditStream, entry) }),
    auditTrail: redis === null ? null : redisAuditTrail(redis, config.auditStream),
    extend: (built) => options.extendApp?.(built, service),
  });

  const roles = await startRoles({ lease, lead, stepDown, log });
  // Listening once the role is known: a leader is ready when it first answers.
  await roles.settled;
  if (options.listen !== false) {
    ({ server, url } = await listen(app, config));
    log.info({ url }, 'listening');
  }
  return service;
}
