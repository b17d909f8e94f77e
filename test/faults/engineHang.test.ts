/**
 * Fault 4 of issue 6: an engine that takes requests and never answers. Its signals are settled
 * through the order lookup, or dead-lettered as in_doubt with an alert after IN_DOUBT_TIMEOUT;
 * the other signals are not held up, and nothing is sent elsewhere while in doubt.
 */
import { afterEach, describe, it } from 'vitest';
import { closeAllFaultLabs } from '../support/faultHarness.js';
import { expectFaultFree, FAULT_TEST_TIMEOUT_MS } from './expectFaultFree.js';

afterEach(closeAllFaultLabs);

describe('fault: an engine hangs', () => {
  it(
    'without executing: its signals go in_doubt with an alert, the others execute on the backup meanwhile',
    async () => {
      await expectFaultFree('engine-hang');
    },
    FAULT_TEST_TIMEOUT_MS,
  );

  it(
    'after executing: its signals are settled executed through GET /orders/{id}, none in_doubt, none twice',
    async () => {
      await expectFaultFree('engine-hang-after-execute');
    },
    FAULT_TEST_TIMEOUT_MS,
  );
});
