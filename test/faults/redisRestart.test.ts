/**
 * Fault 3 of issue 6: Redis stops while signals flow and comes back on the same AOF data. The
 * service is not ready meanwhile, reconnects by itself, and records the results that arrived
 * during the outage; every signal ends with exactly one outcome.
 */
import { afterEach, describe, it } from 'vitest';
import { closeAllFaultLabs } from '../support/faultHarness.js';
import { expectFaultFree, FAULT_TEST_TIMEOUT_MS } from './expectFaultFree.js';

afterEach(closeAllFaultLabs);

describe('fault: Redis restarted', () => {
  it(
    '/ready is 503 while it is down, the service reconnects, results from the outage are recorded; 0 lost, 0 executed twice',
    async () => {
      await expectFaultFree('redis-restart');
    },
    FAULT_TEST_TIMEOUT_MS,
  );

  it(
    'SIGTERM while Redis is down ends the process within the drain time; the next run settles what it could not',
    async () => {
      await expectFaultFree('sigterm-redis-down');
    },
    FAULT_TEST_TIMEOUT_MS,
  );
});
