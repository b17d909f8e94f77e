/**
 * Faults of issue 9: orders still being placed when the service crashes or its leader is taken
 * over, and a frozen list-mode leader. Each failed on the service as it was before attempt records
 * kept a send time and every write checked the lease.
 */
import { afterEach, describe, it } from 'vitest';
import { closeAllFaultLabs } from '../support/faultHarness.js';
import { expectFaultFree, FAULT_TEST_TIMEOUT_MS } from './expectFaultFree.js';

afterEach(closeAllFaultLabs);

describe('fault: orders still being placed', () => {
  it(
    'kill -9 and an immediate restart, naive bridge (404 until placed): settled with it, never placed twice',
    async () => {
      await expectFaultFree('crash-while-placing-naive-stream');
    },
    FAULT_TEST_TIMEOUT_MS,
  );

  it(
    'kill -9 and an immediate restart, IETF bridge (409 while placing), list queue: settled with it, never placed twice',
    async () => {
      await expectFaultFree('crash-while-placing-ietf-list');
    },
    FAULT_TEST_TIMEOUT_MS,
  );

  it(
    'the leader killed while its orders are placed: the standby settles them, never placed twice',
    async () => {
      await expectFaultFree('takeover-while-placing');
    },
    FAULT_TEST_TIMEOUT_MS,
  );
});

describe('fault: a list-mode leader frozen past its lease', () => {
  it(
    'thawed after its successor settled its signals: records no second outcome',
    async () => {
      await expectFaultFree('leader-frozen-list');
    },
    FAULT_TEST_TIMEOUT_MS,
  );
});
