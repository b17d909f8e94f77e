/**
 * The policy's defaults, written out as the README's configuration table (the contract's section
 * 6) states them: the scenario parser and the service fill every unset variable from these, so a
 * test that compares with the constant itself cannot see a wrong default.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_SETTINGS } from '../../machines/policy.js';

describe('the policy defaults', () => {
  it('are those of the configuration table: failover on, auto-resume off, both window rules off', () => {
    expect(DEFAULT_POLICY_SETTINGS).toEqual({
      failureThreshold: 5,
      recoveryTimeoutSeconds: 300,
      recoveryTimeoutMaxSeconds: 3600,
      failoverEnabled: true,
      recoverySuccesses: 2,
      healthCheckIntervalSeconds: 10,
      autoResume: false,
      failureRateThreshold: null,
      failureRateWindowSeconds: 60,
      failureRateMinCalls: 20,
      slowCallMs: null,
      slowCallRateThreshold: 50,
    });
  });
});
