/**
 * The faults of issue 9 around orders still being placed: a bridge that knows an order only once
 * it is placed (a naive one answers `GET /orders/{id}` 404 meanwhile, an IETF one 409), met by a
 * crash with an immediate restart and by a takeover, and a frozen list-mode leader. A service that
 * believes an early 404 sends the order again, and the naive bridge places it twice.
 */
import { pollUntil } from '../support/faultPolling.js';
import type { QueueKind } from '../support/faultRedis.js';
import type { FaultScenario } from '../support/faultScenario.js';

/**
 * Placing takes longer than a restart (tsx starts in about two seconds), and less than
 * ENGINE_TIMEOUT_MS, so the bridge keeps the 404 promise: a 404 given after the send time plus
 * ENGINE_TIMEOUT_MS means it will not place the order.
 */
const CRASH_PLACE_MS = 5000;
const CRASH_ENV = { ENGINE_TIMEOUT_MS: '7000', IN_DOUBT_TIMEOUT: '20' };
/** A takeover's placing: shorter, so that orders queue up behind each other in one symbol's lane. */
const LANE_PLACE_MS = 2500;
const LANE_ENV = { ENGINE_TIMEOUT_MS: '4000', IN_DOUBT_TIMEOUT: '20' };

/** A short list for a check's detail. */
function listed(items: readonly string[], limit = 5): string {
  if (items.length === 0) return 'none';
  return items.length <= limit ? items.join('; ') : `${items.slice(0, limit).join('; ')}; … ${items.length - limit} more`;
}

/** kill -9 while the primary is still placing its orders, restarted at once with the same name. */
export function crashWhilePlacing(kind: QueueKind, idempotency: 'naive' | 'ietf'): FaultScenario {
  return {
    id: `crash-while-placing-${idempotency}-${kind}`,
    title: `kill -9 while orders are being placed (${idempotency} bridge), immediate restart (${kind})`,
    lab: { kind, bridges: { lean_self_hosted: { placeMs: CRASH_PLACE_MS, idempotency } }, env: CRASH_ENV },
    settleTimeoutMs: 25_000,
    async run(lab, checks) {
      const first = await lab.startInstance('a');
      const primary = lab.bridges.lean_self_hosted;
      await lab.produceNew(8);
      await pollUntil('orders in progress at the primary', 10_000, () => primary.inProgress().length >= 4);
      await first.kill9();
      const placing = primary.inProgress();
      checks.add('orders were still being placed at the kill', placing.length > 0, `${placing.length} in progress: ${listed(placing)}`);
      const mark = primary.requestCount();
      await lab.startInstance('a');
      return async () => {
        const resent = primary.posts(mark).filter((post) => placing.includes(post.signalId));
        checks.add(
          'the restarted service settled them with the primary and sent none again',
          resent.length === 0,
          `${resent.length} sent again: ${listed(resent.map((post) => post.signalId))}`,
        );
      };
    },
  };
}

/**
 * One symbol's signals run one at a time, so the last of them waits in its lane long after it was
 * read: its Redis idle time counts from the read. The leader is killed while the primary places one
 * of them; the standby takes over at once and must wait for that order, not resend it.
 */
export const takeoverWhilePlacing: FaultScenario = {
  id: 'takeover-while-placing',
  title: 'leader killed while a lane-delayed order is placed (naive bridge), standby takes over',
  lab: { kind: 'stream', bridges: { lean_self_hosted: { placeMs: LANE_PLACE_MS, idempotency: 'naive' } }, env: LANE_ENV },
  settleTimeoutMs: 30_000,
  async run(lab, checks) {
    const leader = await lab.startInstance('a');
    await lab.startInstance('b');
    const primary = lab.bridges.lean_self_hosted;
    await lab.produce(lab.nextSignals(6).map((spec) => ({ ...spec, symbol: 'AAPL' })));
    // The fourth of the lane is being placed: read with the others, sent some 7.5 s later.
    await pollUntil('the fourth order of the lane in progress', 20_000, () => primary.placements().length >= 3 && primary.inProgress().length >= 1);
    await leader.kill9();
    const placing = primary.inProgress();
    checks.add('an order was still being placed at the kill', placing.length > 0, `in progress: ${listed(placing)}`);
    return async () => {
      const fromSuccessor = primary.posts().filter((post) => post.sender === 'b' && placing.includes(post.signalId));
      checks.add(
        'the new leader settled it with the primary and sent it nowhere again',
        fromSuccessor.length === 0,
        `${fromSuccessor.length} sent again by the new leader: ${listed(fromSuccessor.map((post) => post.signalId))}`,
      );
    };
  },
};

/**
 * A list-mode leader frozen with orders in flight, thawed after its successor settled them: its
 * late answers must record nothing (every write checks the lease in the same Redis step).
 */
export const leaderFrozenList: FaultScenario = {
  id: 'leader-frozen-list',
  title: 'list-mode leader frozen past its lease, then thawed',
  lab: {
    kind: 'list',
    bridges: {
      lean_self_hosted: { mode: 'slow', delayMs: 150, fencing: true },
      quanttrader_pybroker: { fencing: true },
      nautilus_trader: { fencing: true },
    },
    // Slow answers well inside the timeout, also on a loaded machine: the fault is the freeze.
    env: { ENGINE_TIMEOUT_MS: '1500', LEADER_LEASE_SECONDS: '1.5' },
  },
  settleTimeoutMs: 15_000,
  async run(lab, checks) {
    const leader = await lab.startInstance('a');
    const standby = await lab.startInstance('b');
    await lab.produceNew(30);
    await lab.waitMidFlight(4, 1);
    leader.freeze();
    await pollUntil('the standby to lead', 8000, async () => (await standby.status())?.role === 'leader');
    // The successor settles what the frozen leader had in flight before it thaws.
    await pollUntil('the new leader to record outcomes', 8000, async () => (await lab.outcomes()).length >= 20);
    leader.thaw();
    await pollUntil('the old leader to step down', 8000, async () => (await leader.status())?.role === 'standby');
    checks.add('the thawed leader stepped down', true, 'it answers as standby');
  },
};
