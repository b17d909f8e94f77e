/**
 * The consumer loop over the in-process queue and real HTTP bridges: what it does when the policy
 * actor fails, with copies of one signal, and what it logs. (The Redis side is in test/signals/,
 * the whole service in test/integration/.)
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EngineId } from '../../machines/engines.js';
import { DEFAULT_POLICY_SETTINGS } from '../../machines/policy.js';
import { createEngine } from '../../src/engines/createEngine.js';
import type { ExecutionEngine } from '../../src/engines/types.js';
import { ExecutionManager } from '../../src/execution/manager.js';
import { createOrderRateLimiter, type OrderRates } from '../../src/execution/orderRate.js';
import { systemClock } from '../../src/clock.js';
import { createLogger, type Logger } from '../../src/log.js';
import { startPolicyRuntime, type PolicyRuntime } from '../../src/policy/runtime.js';
import { createMemoryQueue, type MemoryQueue } from '../../src/signals/memoryQueue.js';
import { startFakeBridge, type FakeBridge } from '../support/fakeBridge.js';
import { eventually, lineCollector, signalJson, type LogLine } from '../support/service.js';

const log = createLogger('silent');
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Harness {
  readonly queue: MemoryQueue;
  readonly policy: PolicyRuntime;
  readonly bridges: Record<EngineId, FakeBridge>;
  readonly manager: ExecutionManager;
  readonly errors: unknown[];
}

async function harness(options: { failingAlerts?: boolean; threshold?: number; orderRates?: OrderRates; log?: Logger } = {}): Promise<Harness> {
  const bridges = {
    lean_self_hosted: await startFakeBridge(),
    quanttrader_pybroker: await startFakeBridge(),
    nautilus_trader: await startFakeBridge(),
  };
  cleanups.push(() => Promise.all(Object.values(bridges).map((bridge) => bridge.close())).then(() => undefined));
  const engines: Record<EngineId, ExecutionEngine> = {
    lean_self_hosted: createEngine('lean_self_hosted', bridges.lean_self_hosted.url, { timeoutMs: 500 }),
    quanttrader_pybroker: createEngine('quanttrader_pybroker', bridges.quanttrader_pybroker.url, { timeoutMs: 500 }),
    nautilus_trader: createEngine('nautilus_trader', bridges.nautilus_trader.url, { timeoutMs: 500 }),
  };
  const errors: unknown[] = [];
  const policy = startPolicyRuntime({
    settings: { ...DEFAULT_POLICY_SETTINGS, failureThreshold: options.threshold ?? 2 },
    effects: {
      alert: () => {
        if (options.failingAlerts === true) throw new Error('the alert effect broke');
      },
      requestHealthCheck: () => {},
    },
    onError: (error) => errors.push(error),
  });
  cleanups.push(() => policy.stop());
  const queue = createMemoryQueue();
  const manager = new ExecutionManager({
    queue,
    policy,
    engines,
    log: options.log ?? log,
    alert: () => {},
    concurrency: 4,
    epoch: 3,
    limits: { maxAttempts: 5, inDoubtTimeoutMs: 2000, inDoubtPollMs: 100, engineTimeoutMs: 500, retryBaseMs: 10 },
    takeBlockMs: 50,
    ...(options.orderRates === undefined ? {} : { orderRate: createOrderRateLimiter(options.orderRates, systemClock) }),
  });
  cleanups.push(() => manager.close());
  await manager.start();
  return { queue, policy, bridges, manager, errors };
}

const orderPosts = (bridge: FakeBridge): number => bridge.requests.filter((request) => request.method === 'POST').length;
/** The outcomes recorded so far, sorted. */
const outcomesOf = (queue: MemoryQueue): unknown[] =>
  queue
    .events()
    .map((fields) => fields.outcome)
    .sort();

describe('the execution manager', () => {
  it('dispatches nothing more once the policy actor has failed', async () => {
    const { queue, policy, bridges, errors, manager } = await harness({ failingAlerts: true });
    await bridges.lean_self_hosted.setMode('fail');
    // Two failures trip the primary; the failover's alert throws inside the actor, which fails.
    queue.push(signalJson('a', { symbol: 'AAPL' }));
    await eventually('the actor to fail', () => errors.length > 0);
    expect(policy.isRunning()).toBe(false);
    expect(policy.activeEngine()).toBeNull();
    const sentSoFar = Object.values(bridges).map(orderPosts);
    queue.push(signalJson('b', { symbol: 'MSFT' }));
    // It waits in the queue, or, taken by a read already under way, for an engine no failed actor will name.
    await eventually('the new signal to wait', async () => manager.stats().executing === 2 || (await queue.depth()) === 1);
    expect(Object.values(bridges).map(orderPosts)).toEqual(sentSoFar);
    expect(queue.events()).toEqual([]);
    expect(bridges.quanttrader_pybroker.placements).toEqual([]);
  });

  it('executes one of two copies of a signal and records the other as its duplicate', async () => {
    const { queue, bridges, manager } = await harness();
    queue.push(signalJson('twin'));
    queue.push(signalJson('twin'));
    await eventually('both copies settled', () => queue.events().length === 2);
    expect(outcomesOf(queue)).toEqual(['duplicate', 'executed']);
    expect(bridges.lean_self_hosted.placements).toHaveLength(1);
    expect(manager.stats()).toMatchObject({ executing: 0, inDoubt: 0, settled: 2 });
  });

  it('sends no copy of a signal anywhere while another copy is in doubt: placed once, on one engine', async () => {
    // One order per 2 s on the primary: the retry of the copy that goes first waits in its lane,
    // long enough for the other copy's lookup to find nothing placed either.
    const { queue, bridges } = await harness({ orderRates: { lean_self_hosted: 0.5 } });
    await bridges.lean_self_hosted.setMode('hang');
    queue.push(signalJson('twin-in-doubt'));
    queue.push(signalJson('twin-in-doubt'));
    await eventually('the first order to arrive', () => orderPosts(bridges.lean_self_hosted) === 1);
    // From now on lookups say what is placed (nothing yet), and an order is placed but not answered:
    // each retry's outcome is unknown, and the second failure trips the primary.
    await bridges.lean_self_hosted.setMode('hang-after-execute');
    await eventually('both copies settled', () => queue.events().length === 2, 15_000);

    const placed = Object.values(bridges).flatMap((bridge) => bridge.placements);
    expect(placed).toHaveLength(1);
    expect(bridges.lean_self_hosted.placements).toHaveLength(1);
    expect(outcomesOf(queue)).toEqual(['duplicate', 'executed']);
  });

  it("sends the term's epoch as X-Leader-Epoch with every order", async () => {
    const { queue, bridges } = await harness();
    queue.push(signalJson('with-epoch'));
    await eventually('the outcome', () => queue.events().length === 1);
    expect(bridges.lean_self_hosted.requests.filter((request) => request.method === 'POST').map((request) => request.epoch)).toEqual([3]);
  });

  it('logs each settled signal at debug level, and at info does not even make the call for an executed one', async () => {
    const lines: LogLine[] = [];
    const verbose = await harness({ log: createLogger('debug', lineCollector(lines)) });
    verbose.queue.push(signalJson('logged'));
    await eventually('its line', () => lines.some((line) => line.msg === 'signal settled'));
    expect(lines.find((line) => line.msg === 'signal settled')).toMatchObject({
      level: 'debug',
      signal_id: 'logged',
      outcome: 'executed',
      engine: 'lean_self_hosted',
    });

    const quiet = createLogger('info', lineCollector([]));
    const debug = vi.spyOn(quiet, 'debug');
    const usual = await harness({ log: quiet });
    usual.queue.push(signalJson('not-logged'));
    await eventually('its outcome', () => usual.queue.events().length === 1);
    expect(debug).not.toHaveBeenCalled();
  });
});
