/**
 * Fault 5 of issue 6: a leader and a standby on one Redis; the leader is killed with -9 mid-flight.
 * The standby takes the lease within LEADER_LEASE_SECONDS (plus a margin), claims the dead leader's
 * pending entries and goes on; the two never dispatch at once, not even when the old leader was
 * only frozen and comes back.
 */
import { afterEach, describe, it } from 'vitest';
import { closeAllFaultLabs } from '../support/faultHarness.js';
import { expectFaultFree, FAULT_TEST_TIMEOUT_MS } from './expectFaultFree.js';

afterEach(closeAllFaultLabs);

describe('fault: the leader of two instances is killed', () => {
  it(
    'the standby takes over, claims the pending entries; 0 lost, 0 executed twice, never two leaders',
    async () => {
      await expectFaultFree('leader-failover');
    },
    FAULT_TEST_TIMEOUT_MS,
  );

  it(
    'frozen past its lease (SIGSTOP) and thawed: it steps down, dispatches and records nothing more',
    async () => {
      await expectFaultFree('leader-frozen');
    },
    FAULT_TEST_TIMEOUT_MS,
  );
});
