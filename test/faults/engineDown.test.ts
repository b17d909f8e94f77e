/**
 * Fault 6 of issue 6: an engine that refuses connections (failover, everything executes on the
 * backup), and an engine that rejects orders (each rejected signal dead-lettered once, no failover).
 */
import { afterEach, describe, it } from 'vitest';
import { closeAllFaultLabs } from '../support/faultHarness.js';
import { expectFaultFree, FAULT_TEST_TIMEOUT_MS } from './expectFaultFree.js';

afterEach(closeAllFaultLabs);

describe('fault: an engine is down or rejects', () => {
  it(
    'connection refused: failover, every signal executes on the backup',
    async () => {
      await expectFaultFree('engine-down');
    },
    FAULT_TEST_TIMEOUT_MS,
  );

  it(
    '422 on every order: each rejected signal is dead-lettered once and never retried',
    async () => {
      await expectFaultFree('engine-rejecting');
    },
    FAULT_TEST_TIMEOUT_MS,
  );
});
