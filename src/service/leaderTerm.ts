/**
 * One term as leader: restore the policy state, run the actor, probe the engines, consume signals,
 * save every change. A term ends when the service stops or the lease is lost.
 */
import { sleep, systemClock } from '../clock.js';
import type { Redis } from 'ioredis';
import type { InspectionEvent } from 'xstate';
import { ENGINE_IDS, type EngineId } from '../../machines/engines.js';
import type { Alerter } from '../alerts.js';
import type { Config } from '../config/config.js';
import { createHealthProber } from '../engines/healthProber.js';
import type { ExecutionEngine } from '../engines/types.js';
import { ExecutionManager } from '../execution/manager.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { leaderControl, type PolicyControl, type SaveState } from '../policy/control.js';
import { createPolicyStateWriter, loadPolicyState, savedAtOf, startingPolicyState, type StateStore, type UnsavedPolicyState } from '../policy/persistence.js';
import { startPolicyRuntime, type PolicyRuntime } from '../policy/runtime.js';
import { withScripts } from '../redis/commands.js';
import type { PositionLedger } from '../signals/positions.js';
import type { OrderRateLimiter } from '../execution/orderRate.js';
import type { SignalQueue, TermFence } from '../signals/queue.js';
import { startStreamTrimming } from '../signals/streamTrim.js';

/** What a term needs from the service. */
export interface LeaderTermDeps {
  readonly config: Config;
  readonly log: Logger;
  readonly redis: Redis | null;
  readonly stateKey: string;
  readonly engines: Partial<Record<EngineId, ExecutionEngine>>;
  readonly queue: SignalQueue;
  readonly alerter: Alerter;
  readonly metrics: Metrics;
  readonly inspect?: ((event: InspectionEvent) => void) | undefined;
  /** The term: its epoch and lease token; null without Redis (the demo's in-process queue). */
  readonly fence: TermFence | null;
  /** Whether this instance may still dispatch (the lease is certainly ours); always true without one. */
  readonly stillLeader: () => boolean;
  /** An engine answered `stale_epoch`: end this term. */
  readonly onFenced: (seenEpoch: number) => void;
  /** With `EXECUTION_POSITION_AFFINITY`, the ledger routing reads; null without. */
  readonly positions: PositionLedger | null;
  /** The process's order-rate windows, so a new term gets no fresh burst. */
  readonly orderRate: OrderRateLimiter;
  /** Entries of a dead leader are taken over; checked this often. Unset without a lease. */
  readonly reclaimIdleMs?: number | undefined;
  /** The policy state this process's previous term could not save, if any. */
  readonly unsavedPolicyState?: UnsavedPolicyState | null;
}

/** A running term. */
export interface LeaderTerm {
  readonly runtime: PolicyRuntime;
  readonly manager: ExecutionManager;
  /** This term's epoch (0 without Redis). */
  readonly epoch: number;
  readonly control: PolicyControl;
  /** Stops consuming, finishes what is in flight, saves the state. Idempotent. */
  stop(): Promise<void>;
  /** After {@link stop}: the policy state it could not save, for this process's next term. */
  unsavedPolicyState(): UnsavedPolicyState | null;
}

/** How long an operator's command waits for its state to be saved before it answers 503. */
const OPERATOR_SAVE_TIMEOUT_MS = 2000;

async function until<T>(what: string, log: Logger, attempt: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      log.error({ err: error, tries }, `${what} failed; retrying`);
      await sleep(systemClock, Math.min(tries * 500, 5000));
    }
  }
}

/** Starts a term: the policy continues from the persisted state, deadlines included. */
export async function startLeaderTerm(deps: LeaderTermDeps): Promise<LeaderTerm> {
  const { config, log, redis, stateKey, engines, queue, alerter, metrics, fence } = deps;
  const epoch = fence?.epoch ?? 0;
  const loaded =
    redis === null
      ? ({ kind: 'absent' } as const)
      : await until('reading the policy state from Redis', log, () => loadPolicyState(redis, stateKey, config.policy));
  if (loaded.kind === 'incompatible') log.warn({ reason: loaded.reason }, 'ignoring the stored policy state; starting fresh');
  const starting = startingPolicyState(loaded, deps.unsavedPolicyState ?? null);
  if (starting.resumedUnsaved)
    log.warn({ state: starting.state?.value }, 'resumed the policy state the last term could not save (Redis was away); saving it now');
  else if (loaded.kind === 'found') log.info({ state: loaded.state.value, savedAt: new Date(loaded.savedAt).toISOString() }, 'restored the policy state');

  let runtimeRef: PolicyRuntime | null = null;
  const prober = createHealthProber({
    engines: ENGINE_IDS.flatMap((id) => (engines[id] ? [engines[id]] : [])),
    epoch,
    intervalSeconds: config.policy.healthCheckIntervalSeconds,
    probeTimeoutMs: Math.min(config.engineTimeoutMs, config.policy.healthCheckIntervalSeconds * 1000),
    onResults: (results, at) => runtimeRef?.send({ type: 'HEALTH_CHECKED', results, at }),
    onError: (error) => log.error({ err: error }, 'health probe round failed'),
  });
  const runtime = startPolicyRuntime({
    settings: config.policy,
    restoreFrom: starting.state,
    effects: {
      alert: (alert) => alerter.send(alert),
      requestHealthCheck: () => void prober.probeNow(),
    },
    ...(deps.inspect ? { inspect: deps.inspect } : {}),
    onError: (error) => log.fatal({ err: error }, 'the failover policy actor failed; no signal is dispatched'),
  });
  runtimeRef = runtime;

  // A former leader must not overwrite its successor's state.
  const fencedStore: StateStore | null =
    redis === null || fence === null
      ? null
      : {
          get: (key: string) => redis.get(key),
          set: async (key: string, value: string) => {
            // Refused is not saved: an operator's 200 must not rest on a write that never landed.
            if ((await withScripts(redis).efSetIfLeader(fence.leaseKey, key, fence.token, value)) !== 1) {
              throw new Error(`not written: the lease ${fence.leaseKey} is no longer this term's (epoch ${fence.epoch})`);
            }
          },
        };
  const writer =
    fencedStore === null
      ? null
      : createPolicyStateWriter({
          store: fencedStore,
          key: stateKey,
          read: () => runtime.state(),
          basedOn: starting.resumedUnsaved ? (deps.unsavedPolicyState?.basedOn ?? null) : savedAtOf(loaded),
          onError: (error) => log.error({ err: error }, 'could not save the policy state'),
        });
  let lastRecorded = runtime.state().context.lastTransition;
  metrics.activeEngine(runtime.activeEngine());
  let lastSnapshot: unknown = null;
  runtime.subscribe((snapshot) => {
    // XState notifies after every event, changed or not: only a new snapshot is worth saving.
    if (snapshot === lastSnapshot) return;
    lastSnapshot = snapshot;
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
    epoch,
    limits: {
      maxAttempts: config.signalMaxAttempts,
      inDoubtTimeoutMs: config.inDoubtTimeoutSeconds * 1000,
      inDoubtPollMs: config.policy.healthCheckIntervalSeconds * 1000,
      engineTimeoutMs: config.engineTimeoutMs,
      positionWaitMs: config.positionWaitSeconds * 1000,
    },
    ...(deps.positions === null ? {} : { positions: deps.positions }),
    orderRate: deps.orderRate,
    mayDispatch: deps.stillLeader,
    onFenced: deps.onFenced,
    ...(deps.reclaimIdleMs === undefined ? {} : { reclaimIdleMs: deps.reclaimIdleMs }),
  });
  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      const managerClosed = manager.close();
      // Ends a blocking read in flight now rather than after its timeout; signals being finished
      // still settle.
      await queue.close();
      await managerClosed;
      await trimming?.stop();
      log.debug({ epoch }, 'term ending: the signals in flight are settled or left pending');
      await prober.stop();
      runtime.stop();
      await writer?.close();
      if (writer?.unsaved() != null) log.warn({ epoch }, 'term ended without saving the policy state; this instance keeps it for its next term');
      else log.debug({ epoch }, 'term ended: the policy state is saved');
    })());

  // Housekeeping of the leader alone: a stream grows by every acknowledged entry unless trimmed.
  const trimming =
    config.signalQueueKind === 'stream' && redis !== null && fence !== null
      ? startStreamTrimming({ redis, stream: config.signalQueue, fence, intervalMs: config.streamTrimIntervalSeconds * 1000, log })
      : null;
  prober.start();
  try {
    await manager.start();
  } catch (error) {
    // Half a term must not keep probing and saving: undo it, and let the caller try again.
    await stop();
    throw new Error('Could not start consuming signals', { cause: error });
  }
  const saveState: SaveState = async () => {
    if (writer === null) return null;
    const answered = new AbortController();
    writer.changed();
    const saving = writer.saved().then((done) => (done ? null : 'Redis refused or missed the write'));
    const late = sleep(systemClock, OPERATOR_SAVE_TIMEOUT_MS, answered.signal).then(() => `no answer within ${OPERATOR_SAVE_TIMEOUT_MS} ms`);
    try {
      return await Promise.race([saving, late]);
    } finally {
      answered.abort();
    }
  };
  return {
    runtime,
    manager,
    epoch,
    control: leaderControl(runtime, fence?.epoch ?? null, saveState),
    stop,
    unsavedPolicyState: () => writer?.unsaved() ?? null,
  };
}
