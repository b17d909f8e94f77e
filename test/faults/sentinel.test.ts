/**
 * Fault 3 of issue 9: a failover of the Redis primary, with its replica lagging and then promoted,
 * under Sentinel and REDIS_MIN_REPLICAS=1. The same service processes carry on; no signal whose
 * XADD reached the replica is lost, and none is executed twice or by two engines.
 */
import { afterEach, describe, it } from 'vitest';
import { closeAllFaultLabs } from '../support/faultHarness.js';
import { expectFaultFree } from './expectFaultFree.js';

afterEach(closeAllFaultLabs);

describe('fault: Redis primary failover (Sentinel)', () => {
  it('a lagging replica promoted: 0 lost, 0 placed twice, 0 on two engines, 0 orphans', async () => {
    await expectFaultFree('sentinel-failover-lagging');
  }, 120_000);
});
