/** loadPolicySettings: the policy variables of section 2 on their own. */
import { describe, expect, it } from 'vitest';
import { loadPolicySettings } from '../../src/config/policySettings.js';
import { ConfigError } from '../../src/config/variables.js';
import { configErrorOf } from './configFixture.js';

describe('loadPolicySettings', () => {
  it('reads the policy variables alone, with no engine or HTTP variable needed', () => {
    expect(
      loadPolicySettings({
        EXECUTION_FAILOVER_THRESHOLD: '2',
        EXECUTION_FAILOVER_TIMEOUT: '1.5',
        EXECUTION_FAILOVER_TIMEOUT_MAX: '6',
        EXECUTION_ENGINE_FAILOVER: 'false',
        EXECUTION_RECOVERY_SUCCESSES: '3',
        EXECUTION_HEALTH_CHECK_INTERVAL: '0.25',
        EXECUTION_AUTO_RESUME: 'true',
        EXECUTION_FAILURE_RATE_THRESHOLD: '12.5',
        EXECUTION_FAILURE_RATE_WINDOW: '30',
        EXECUTION_FAILURE_RATE_MIN_CALLS: '7',
        EXECUTION_SLOW_CALL_MS: '4000',
        EXECUTION_SLOW_CALL_RATE_THRESHOLD: '80',
        HOST: '0.0.0.0',
      }),
    ).toEqual({
      failureThreshold: 2,
      recoveryTimeoutSeconds: 1.5,
      recoveryTimeoutMaxSeconds: 6,
      failoverEnabled: false,
      recoverySuccesses: 3,
      healthCheckIntervalSeconds: 0.25,
      autoResume: true,
      failureRateThreshold: 12.5,
      failureRateWindowSeconds: 30,
      failureRateMinCalls: 7,
      slowCallMs: 4000,
      slowCallRateThreshold: 80,
    });
  });

  it.each([
    ['EXECUTION_FAILURE_RATE_THRESHOLD', '0'],
    ['EXECUTION_FAILURE_RATE_THRESHOLD', '101'],
    ['EXECUTION_FAILURE_RATE_THRESHOLD', 'half'],
    ['EXECUTION_FAILURE_RATE_WINDOW', '0'],
    ['EXECUTION_FAILURE_RATE_MIN_CALLS', '2.5'],
    ['EXECUTION_SLOW_CALL_MS', '0'],
    ['EXECUTION_SLOW_CALL_MS', '1.5'],
    ['EXECUTION_SLOW_CALL_RATE_THRESHOLD', '150'],
  ])('refuses %s=%s with a ConfigError naming the variable', (name, raw) => {
    let thrown: unknown;
    try {
      loadPolicySettings({ [name]: raw });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect(thrown instanceof Error ? thrown.message : '').toContain(name);
  });

  it('accepts a maximum equal to the timeout', () => {
    const settings = loadPolicySettings({ EXECUTION_FAILOVER_TIMEOUT: '60', EXECUTION_FAILOVER_TIMEOUT_MAX: '60' });
    expect(settings.recoveryTimeoutMaxSeconds).toBe(60);
  });

  it('refuses a maximum recovery timeout below the timeout, naming the maximum', () => {
    const error = configErrorOf(() => loadPolicySettings({ EXECUTION_FAILOVER_TIMEOUT: '600', EXECUTION_FAILOVER_TIMEOUT_MAX: '300' }));
    expect(error.variable).toBe('EXECUTION_FAILOVER_TIMEOUT_MAX');
    expect(error.message).toContain('EXECUTION_FAILOVER_TIMEOUT');
    expect(error.message).toContain('600');
  });
});
