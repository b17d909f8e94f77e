/**
 * The fault suite's laboratory: one private redis-server with AOF, three counting fake bridges, an
 * alert webhook, and the service instances started as real processes against them. A scenario
 * produces signals, injects its fault, and asks for the tally (`faultTally.ts`).
 *
 * Shared by the vitest tests in `test/faults/` and the `npm run faults` runner, so it uses nothing
 * from vitest. Everything it starts is stopped by `close()`; `closeAllFaultLabs()` catches labs a
 * failed test left open, and a process exit kills any service process still running.
 */
import { mkdir, rm, rmdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { EngineId } from '../../machines/engines.js';
import {
  allPlacements,
  allPosts,
  closeBridges,
  engineUrlFor,
  startEngineBridges,
  type CountingBridgeOptions,
  type EngineBridges,
  type OrderPost,
  type PlacedOrder,
} from './faultBridges.js';
import { pollFor, pollUntil } from './faultPolling.js';
import { killAllServiceProcessesNow, startServiceProcess, type ServiceProcess } from './faultProcess.js';
import { produceSignal, queuedSignalIds, readOutcomes, type OutcomeEntry, type QueueKind } from './faultRedis.js';
import { tallyFaultRun, type FaultTally } from './faultTally.js';
import { freePort, startPrivateRedis, type PrivateRedis } from './redisServer.js';
import { startSentinelTopology, type SentinelTopology } from './sentinelTopology.js';
import { startWebhookServer, type WebhookServer } from './webhookServer.js';

/**
 * Timings short enough for a fault to play out in seconds (contract names). A scenario overrides
 * what it is about.
 */
export const FAULT_TIMINGS: Readonly<Record<string, string>> = {
  ENGINE_TIMEOUT_MS: '300',
  EXECUTION_HEALTH_CHECK_INTERVAL: '0.2',
  IN_DOUBT_TIMEOUT: '3',
  EXECUTION_FAILOVER_TIMEOUT: '1',
  EXECUTION_FAILOVER_THRESHOLD: '3',
  LEADER_LEASE_SECONDS: '1',
  LOG_LEVEL: 'debug',
};

/** How long the tally waits for orders the bridges are still placing. */
const PLACING_WAIT_MS = 15_000;

/** Symbols signals are spread over, one lane each, so that EXECUTION_CONCURRENCY is used in full. */
const SYMBOLS = ['AAPL', 'MSFT', 'NVDA', 'AMZN', 'GOOG', 'META', 'TSLA', 'AMD'] as const;

/** What a lab is set up with. */
export interface FaultLabOptions {
  /** Names the lab's log folder and prefixes its signal ids. */
  readonly name: string;
  readonly kind: QueueKind;
  /**
   * Redis behind Sentinel (a primary, a replica, three Sentinels) instead of one redis-server;
   * the instances find the primary through REDIS_SENTINELS. `stopRedis` is then not available.
   */
  readonly sentinel?: boolean;
  /** Each bridge's starting behaviour; default `ok`. */
  readonly bridges?: Partial<Record<EngineId, CountingBridgeOptions>>;
  /** Variables for every instance, over {@link FAULT_TIMINGS}. */
  readonly env?: Readonly<Record<string, string>>;
  /** Where instance logs go; default `$FAULT_LOG_DIR` or a folder under the system's temp dir. */
  readonly logRoot?: string;
}

/** A signal to produce. */
export interface SignalSpec {
  readonly signalId: string;
  readonly symbol: string;
}

const openLabs = new Set<FaultLab>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', killAllServiceProcessesNow);
}

/** The default folder for instance logs of this run. */
export function defaultLogRoot(): string {
  return process.env.FAULT_LOG_DIR ?? path.join(os.tmpdir(), `ef-faults-${process.pid}`);
}

/** A running lab. Create with {@link startFaultLab}. */
export class FaultLab {
  readonly options: FaultLabOptions;
  readonly bridges: EngineBridges;
  readonly webhook: WebhookServer;
  /** The lab's own connection, which reconnects by itself after a Redis restart. */
  readonly redis: Redis;
  /** Where this lab's instance logs are. */
  readonly logDir: string;
  /** Every signal id produced, once per copy. */
  readonly sent: string[] = [];
  /** Every instance started, restarts included, in start order. */
  readonly instances: ServiceProcess[] = [];
  readonly #ports = new Map<string, number>();
  #redisServer: PrivateRedis | null;
  readonly #sentinel: SentinelTopology | null;
  readonly #redisPort: number;
  readonly #redisDir: string;
  #produced = 0;
  #closed: Promise<void> | null = null;

  /** Use {@link startFaultLab}. */
  constructor(parts: {
    options: FaultLabOptions;
    bridges: EngineBridges;
    webhook: WebhookServer;
    redis: { server: PrivateRedis; sentinel?: undefined } | { server?: undefined; sentinel: SentinelTopology };
    logDir: string;
  }) {
    this.options = parts.options;
    this.bridges = parts.bridges;
    this.webhook = parts.webhook;
    this.logDir = parts.logDir;
    this.#redisServer = parts.redis.server ?? null;
    this.#sentinel = parts.redis.sentinel ?? null;
    this.#redisPort = parts.redis.server?.port ?? 0;
    this.#redisDir = parts.redis.server?.dir ?? parts.redis.sentinel?.dir ?? '';
    // Keeps reconnecting through a deliberate Redis restart or failover; the lab never gives up on its
    // Redis. A command that hangs (its node frozen or gone without a word) fails instead, so that
    // the poll waiting for it goes on and its timeout names the cause.
    const reconnecting = { maxRetriesPerRequest: 1, retryStrategy: () => 100, commandTimeout: 5000 };
    this.redis =
      this.#sentinel === null
        ? new Redis(`redis://127.0.0.1:${this.#redisPort}`, reconnecting)
        : // Not ioredis's failover detector: it can end a reconnecting client for good (see
          // src/service/sentinelFailovers.ts). The lab's primary dies rather than freezes, so its
          // reconnects find the new one.
          new Redis({ ...reconnecting, sentinels: [...this.#sentinel.sentinels], name: this.#sentinel.masterName, sentinelCommandTimeout: 1000 });
    this.redis.on('error', () => {
      // Connection errors during a deliberate outage are expected; commands fail and are retried by polls.
    });
  }

  /** The Redis URL every instance uses. */
  get redisUrl(): string {
    return this.#sentinel?.redisUrl ?? `redis://127.0.0.1:${this.#redisPort}`;
  }

  /** The Sentinel topology of a lab started with `sentinel: true`. */
  get sentinel(): SentinelTopology {
    if (this.#sentinel === null) throw new Error(`the lab "${this.options.name}" runs one redis-server, not Sentinel`);
    return this.#sentinel;
  }

  /**
   * Starts an instance named `name` (its CONSUMER_NAME, and the sender name at the bridges) and
   * waits until it serves. Starting a name again is a restart: same PORT, same CONSUMER_NAME.
   */
  async startInstance(name: string, env: Readonly<Record<string, string>> = {}): Promise<ServiceProcess> {
    const port = this.#ports.get(name) ?? (await freePort());
    this.#ports.set(name, port);
    const run = this.instances.filter((instance) => instance.name === name).length + 1;
    const instance = startServiceProcess({
      name,
      port,
      logFile: path.join(this.logDir, `${name}-${run}.log`),
      env: {
        REDIS_URL: this.redisUrl,
        PORT: String(port),
        CONSUMER_NAME: `fault-${name}`,
        SIGNAL_QUEUE_KIND: this.options.kind,
        ALERT_WEBHOOK_URL: this.webhook.url,
        ENGINE_LEAN_SELF_HOSTED_URL: engineUrlFor(this.bridges.lean_self_hosted, name),
        ENGINE_QUANTTRADER_PYBROKER_URL: engineUrlFor(this.bridges.quanttrader_pybroker, name),
        ENGINE_NAUTILUS_TRADER_URL: engineUrlFor(this.bridges.nautilus_trader, name),
        ...(this.#sentinel === null ? {} : { REDIS_SENTINELS: this.#sentinel.sentinelsVariable, REDIS_SENTINEL_MASTER: this.#sentinel.masterName }),
        ...FAULT_TIMINGS,
        ...this.options.env,
        ...env,
      },
    });
    this.instances.push(instance);
    await instance.waitHealthy();
    return instance;
  }

  /** The signals `count` new ids, `<lab name>-<n>`, spread over the symbols in turn. */
  nextSignals(count: number): SignalSpec[] {
    return Array.from({ length: count }, () => {
      this.#produced += 1;
      const signalId = `${this.options.name}-${String(this.#produced).padStart(3, '0')}`;
      return { signalId, symbol: SYMBOLS[(this.#produced - 1) % SYMBOLS.length] };
    });
  }

  /** Produces each signal once, in order; a spec produced again is a deliberate duplicate. */
  async produce(signals: readonly SignalSpec[]): Promise<string[]> {
    for (const spec of signals) {
      await produceSignal(this.redis, this.options.kind, signalText(spec));
      this.sent.push(spec.signalId);
    }
    return signals.map((spec) => spec.signalId);
  }

  /** Produces `count` new signals; answers their ids. */
  async produceNew(count: number): Promise<string[]> {
    return this.produce(this.nextSignals(count));
  }

  /** Every outcome entry so far. */
  outcomes(): Promise<OutcomeEntry[]> {
    return readOutcomes(this.redis);
  }

  /** Every order POST the bridges received so far (dispatching: who sent what, when). */
  posts(): OrderPost[] {
    return allPosts(this.bridges);
  }

  /** Every order the bridges placed so far (what was executed). */
  placements(): PlacedOrder[] {
    return allPlacements(this.bridges);
  }

  /**
   * Signal ids open at an engine: being placed or placed by some bridge, with no outcome entry
   * yet. Both kinds are in flight: an order still being placed will be placed whatever the service
   * does next.
   */
  async openWithoutOutcome(): Promise<string[]> {
    const recorded = new Set((await this.outcomes()).map((entry) => entry.signalId));
    const open = [...Object.values(this.bridges).flatMap((bridge) => bridge.inProgress()), ...this.placements().map((placement) => placement.signalId)];
    return [...new Set(open)].filter((id) => !recorded.has(id));
  }

  /**
   * Waits until at least `minOutcomes` outcomes are recorded while at least `minOpen` orders are
   * open at an engine without one: the moment to strike with signals in flight. Answers the orders
   * open then: read again a moment later, they may all have been recorded, with the next ones not
   * yet at an engine.
   */
  async waitMidFlight(minOutcomes: number, minOpen: number, timeoutMs = 10_000): Promise<string[]> {
    let open: string[] = [];
    await pollUntil(`${minOutcomes} outcomes recorded and ${minOpen} orders open at an engine without one`, timeoutMs, async () => {
      const outcomes = await this.outcomes();
      if (outcomes.length < minOutcomes) return false;
      open = await this.openWithoutOutcome();
      return open.length >= minOpen;
    });
    return open;
  }

  /** Stops redis-server, keeping its data directory (the AOF) for {@link startRedis}. */
  async stopRedis(): Promise<void> {
    if (this.#sentinel !== null) throw new Error('a Sentinel lab fails its primary over instead (lab.sentinel.killPrimary)');
    const server = this.#redisServer;
    this.#redisServer = null;
    await server?.stop({ keepDir: true });
  }

  /** Starts redis-server again on the same port and data directory. */
  async startRedis(): Promise<void> {
    if (this.#redisServer !== null) return;
    this.#redisServer = await startPrivateRedis({ appendonly: true, dir: this.#redisDir, port: this.#redisPort });
  }

  /**
   * Waits until nothing is queued or pending any more (every signal has been settled, or was lost);
   * answers false when `timeoutMs` passes first.
   */
  async waitSettled(timeoutMs: number): Promise<boolean> {
    return pollFor(timeoutMs, async () => (await queuedSignalIds(this.redis, this.options.kind)).length === 0);
  }

  /** Stops every instance still running with SIGTERM, so that anything it still does is seen. */
  async stopInstances(): Promise<void> {
    await Promise.all(this.instances.filter((instance) => !instance.exited()).map((instance) => instance.stop()));
  }

  /**
   * Counts sent, executed (placed), lost and executed twice from what Redis and the bridges hold.
   * Orders still being placed are placed whatever happens next, so it first waits for them (up to
   * {@link PLACING_WAIT_MS}): a second placement due after the signals settled is still a double.
   */
  async tally(): Promise<FaultTally> {
    await pollFor(PLACING_WAIT_MS, () => Object.values(this.bridges).every((bridge) => bridge.inProgress().length === 0));
    return pollUntil('Redis to answer for the tally', 10_000, async () => {
      const [outcomes, queued] = await Promise.all([this.outcomes(), queuedSignalIds(this.redis, this.options.kind)]);
      return tallyFaultRun({ sent: this.sent, placements: this.placements(), posts: this.posts(), outcomes, queued });
    });
  }

  /** Stops everything this lab started; removes its logs unless `keepLogs`. Idempotent. */
  close(options: { keepLogs?: boolean } = {}): Promise<void> {
    this.#closed ??= (async () => {
      const stopped = this.instances.filter((instance) => !instance.exited()).map((instance) => instance.kill9());
      await Promise.allSettled(stopped);
      this.redis.disconnect();
      await Promise.allSettled([closeBridges(this.bridges), this.webhook.close(), this.#redisServer?.stop({ keepDir: true }), this.#sentinel?.stop()]);
      this.#redisServer = null;
      if (this.#redisDir !== '') await rm(this.#redisDir, { recursive: true, force: true });
      if (options.keepLogs !== true) {
        await rm(this.logDir, { recursive: true, force: true });
        // The run's log folder goes too once no lab of the run has logs left in it.
        await rmdir(path.dirname(this.logDir)).catch(() => undefined);
      }
      openLabs.delete(this);
    })();
    return this.#closed;
  }
}

/** A signal's JSON text in the NAE format (contract section 3). */
export function signalText(spec: SignalSpec): string {
  return JSON.stringify({
    signal_id: spec.signalId,
    symbol: spec.symbol,
    action: 'BUY',
    quantity: 10,
    order_type: 'MARKET',
    strategy_id: 'fault-suite',
    timestamp: new Date().toISOString(),
  });
}

/** Starts a lab: Redis with AOF, the bridges and the webhook. No instance yet. */
export async function startFaultLab(options: FaultLabOptions): Promise<FaultLab> {
  installExitHook();
  const logDir = path.join(options.logRoot ?? defaultLogRoot(), options.name);
  await mkdir(logDir, { recursive: true });
  const [redis, bridges, webhook] = await Promise.all([
    options.sentinel === true
      ? startSentinelTopology().then((sentinel) => ({ sentinel }))
      : startPrivateRedis({ appendonly: true }).then((server) => ({ server })),
    startEngineBridges(options.bridges),
    startWebhookServer(),
  ]);
  const lab = new FaultLab({ options, bridges, webhook, redis, logDir });
  openLabs.add(lab);
  return lab;
}

/** Closes every lab still open (for `afterEach`), keeping their logs. */
export async function closeAllFaultLabs(): Promise<void> {
  await Promise.all([...openLabs].map((lab) => lab.close({ keepLogs: true })));
}
