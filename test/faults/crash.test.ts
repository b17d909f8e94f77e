/**
 * Faults 1 and 2 of issue 6: the service is killed with -9 while signals are in flight, and while
 * the engine holds orders it executed but has not answered; the restarted process (same
 * CONSUMER_NAME) takes its signals up again without losing or repeating one.
 */
import { afterEach, describe, it } from 'vitest';
import { closeAllFaultLabs } from '../support/faultHarness.js';
import { expectFaultFree, FAULT_TEST_TIMEOUT_MS } from './expectFaultFree.js';

afterEach(closeAllFaultLabs);

describe('fault: kill -9 of the service', () => {
  it(
    'mid-flight on a stream: the restarted process takes up its pending entries; 0 lost, 0 executed twice',
    async () => {
      await expectFaultFree('crash-stream');
    },
    FAULT_TEST_TIMEOUT_MS,
  );

  it(
    'mid-flight on a list: the restarted process takes up its processing list; 0 lost, 0 executed twice',
    async () => {
      await expectFaultFree('crash-list');
    },
    FAULT_TEST_TIMEOUT_MS,
  );

  it(
    'after the engine executed, before the outcome was recorded: settled by lookup, nothing executed twice',
    async () => {
      await expectFaultFree('crash-after-execute');
    },
    FAULT_TEST_TIMEOUT_MS,
  );
});
