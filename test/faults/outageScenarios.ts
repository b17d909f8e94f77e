/**
 * Faults of issue 9 around Redis outages: a SIGTERM while Redis is down must end the process within
 * the drain time, losing nothing; the signals it could not settle are settled by the next run.
 */
import { pollUntil } from '../support/faultPolling.js';
import type { FaultScenario } from '../support/faultScenario.js';

/**
 * The manager's drain time (ExecutionLimits.drainMs, 5 s) plus the rest of the shutdown, with room
 * for a loaded machine; before issue 9 the process never ended by itself.
 */
const EXIT_WITHIN_MS = 12_000;

/** SIGTERM while Redis is down, with results from the engine waiting to be recorded. */
export const sigtermDuringRedisOutage: FaultScenario = {
  id: 'sigterm-redis-down',
  title: 'SIGTERM while Redis is down, with outcomes waiting to be recorded',
  // Answers slower than the restart of Redis takes, faster than ENGINE_TIMEOUT_MS (300).
  lab: { kind: 'stream', bridges: { lean_self_hosted: { mode: 'slow', delayMs: 150 } } },
  settleTimeoutMs: 20_000,
  async run(lab, checks) {
    const first = await lab.startInstance('a');
    await lab.produceNew(16);
    await lab.waitMidFlight(2, 1);
    await lab.stopRedis();
    // The answers of the orders in flight arrive while Redis is down: their outcomes wait.
    await pollUntil('an order placed while Redis is down', 5000, () => lab.bridges.lean_self_hosted.inProgress().length === 0);
    const signalledAt = Date.now();
    await first.stop(EXIT_WITHIN_MS + 5000);
    const exitedAfter = Date.now() - signalledAt;
    const code = await first.exit;
    checks.add(
      `SIGTERM ends the process within ${EXIT_WITHIN_MS / 1000} s though Redis is down`,
      exitedAfter <= EXIT_WITHIN_MS && code === 0,
      `exited with ${String(code)} after ${exitedAfter} ms`,
    );
    await lab.startRedis();
    await lab.startInstance('a');
  },
};

/** An order counts as just sent while at most this much of the slow primary's 800 ms has passed. */
const FRESH_ORDER_MS = 250;

/** Orders in progress at the primary's bridge that were sent within {@link FRESH_ORDER_MS}. */
function freshOrdersInProgress(lab: Parameters<FaultScenario['run']>[0]): string[] {
  const bridge = lab.bridges.lean_self_hosted;
  const open = new Set(bridge.inProgress());
  const since = Date.now() - FRESH_ORDER_MS;
  return bridge
    .posts()
    .filter((post) => post.receivedAt >= since && open.has(post.signalId))
    .map((post) => post.signalId);
}

/** `REDIS_WAIT_TIMEOUT_MS` of the Sentinel scenario: how long a send waits for a replica. */
const WAIT_TIMEOUT_MS = 200;

/**
 * The producer's half of the promise (README, Guarantees): a signal counts as queued once a
 * replica has it, so the producer waits for one after its XADD, as a producer on Sentinel must.
 */
async function produceReplicated(lab: Parameters<FaultScenario['run']>[0], count: number): Promise<boolean> {
  await lab.produceNew(count);
  return (await lab.redis.wait(1, 2000)) >= 1;
}

/**
 * A failover of the Redis primary while its replica lags (issue 9, defect 3): the replica freezes
 * and loses its link, the primary goes on recording outcomes the replica never gets, the primary
 * dies, and the lagging replica is promoted. With REDIS_MIN_REPLICAS=1 no order went out whose
 * attempt record the replica lacks, so whatever it forgot is settled again from what it has.
 */
export const sentinelFailoverLagging: FaultScenario = {
  id: 'sentinel-failover-lagging',
  title: 'Redis primary killed while its replica lags; the replica is promoted (Sentinel, REDIS_MIN_REPLICAS=1)',
  lab: {
    kind: 'stream',
    sentinel: true,
    // Slow answers, so that orders are surely out when the replica freezes.
    bridges: {
      lean_self_hosted: { mode: 'slow', delayMs: 800, fencing: true },
      quanttrader_pybroker: { fencing: true },
      nautilus_trader: { fencing: true },
    },
    // FAULT_MIN_REPLICAS=0 shows what the replica check prevents: orders placed on two engines.
    env: {
      REDIS_MIN_REPLICAS: process.env.FAULT_MIN_REPLICAS ?? '1',
      REDIS_WAIT_TIMEOUT_MS: String(WAIT_TIMEOUT_MS),
      ENGINE_TIMEOUT_MS: '2000',
      IN_DOUBT_TIMEOUT: '20',
    },
  },
  settleTimeoutMs: 40_000,
  async run(lab, checks) {
    const instances = [await lab.startInstance('a'), await lab.startInstance('b')];
    checks.add('signals reached the replica before the fault', await produceReplicated(lab, 24), 'WAIT 1 after the XADDs');
    // Strike while an order has most of its answer time still to go: its outcome is then surely
    // recorded after the freeze, on the primary alone. (An order placed but not yet recorded may
    // be recorded before the freeze lands, and then nothing is left to be lost.)
    await pollUntil('4 outcomes recorded and an order just sent to the primary', 10_000, async () => {
      const recorded = (await lab.outcomes()).length;
      return recorded >= 4 && freshOrdersInProgress(lab).length > 0;
    });
    await lab.sentinel.freezeReplica({ dropLink: true });
    const frozenAt = Date.now();
    const inProgressAtFreeze = new Set(Object.values(lab.bridges).flatMap((bridge) => bridge.inProgress()));
    const leader = async () => {
      for (const instance of instances) if ((await instance.status())?.role === 'leader') return instance;
      return null;
    };
    let notReady: number | null = null;
    try {
      await pollUntil('the leader to answer /ready with 503', 5000, async () => {
        notReady = (await (await leader())?.readyStatus()) ?? null;
        return notReady === 503;
      });
    } catch {
      // Recorded below.
    }
    checks.add('GET /ready answers 503 while no replica confirms', notReady === 503, `it answered ${String(notReady)}`);
    // The lag lasts: answers to orders already out are recorded on the primary alone.
    await pollUntil('the orders in flight to be answered', 5000, () => Object.values(lab.bridges).every((bridge) => bridge.inProgress().length === 0));
    const lateSends = Object.values(lab.bridges)
      .flatMap((bridge) => bridge.posts())
      .filter((post) => post.receivedAt > frozenAt + WAIT_TIMEOUT_MS + 500);
    checks.add('no order is sent while no replica confirms its attempt record', lateSends.length === 0, `${lateSends.length} sent`);
    // An order answered is recorded a moment later: wait until the primary alone holds one of them.
    const recordedOnPrimary = await pollUntil('answers recorded on the primary alone', 5000, async () => {
      const outcomes = await lab.outcomes();
      return outcomes.some((entry) => inProgressAtFreeze.has(entry.signalId)) ? outcomes.length : false;
    });
    // The primary engine goes away with it: what the promoted replica forgot would now go to a
    // backup, a second placement on another engine, were it not settled with the primary first.
    await lab.bridges.lean_self_hosted.setMode('down');
    await lab.sentinel.killPrimary();
    lab.sentinel.thawReplica();
    const promoted = await lab.sentinel.waitForFailover(20_000);
    const recordedOnPromoted = await pollUntil('the new primary to answer', 20_000, async () => (await lab.outcomes()).length);
    checks.add(
      'the promoted replica lacked outcomes the old primary had recorded',
      recordedOnPromoted < recordedOnPrimary,
      `${recordedOnPrimary} outcomes on the old primary, ${recordedOnPromoted} on the promoted replica (port ${promoted.port})`,
    );
    await lab.sentinel.restartKilled();
    checks.add(
      'the same service processes carry on',
      instances.every((instance) => !instance.exited()),
      'none exited',
    );
    await pollUntil('a leader on the new primary', 15_000, async () => (await leader()) !== null);
    await pollUntil('the policy to fail over to a backup', 15_000, async () => (await (await leader())?.status())?.active_engine !== 'lean_self_hosted');
    await lab.bridges.lean_self_hosted.setMode('slow', { delayMs: 150 });
    checks.add('signals produced after the failover reach the new replica', await produceReplicated(lab, 8), 'WAIT 1 after the XADDs');
  },
};
