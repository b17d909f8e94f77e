/**
 * Faults of issue 9 around Redis outages: a SIGTERM while Redis is down must end the process within
 * the drain time, losing nothing; the signals it could not settle are settled by the next run.
 */
import { pollUntil } from '../helpers/faultPolling.js';
import type { FaultScenario } from '../helpers/faultScenario.js';

/** The manager's drain time (ExecutionLimits.drainMs) plus the process's start-up and exit. */
const EXIT_WITHIN_MS = 8000;

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
