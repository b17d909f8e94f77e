/**
 * The representative policy settings the model is explored under. Small numbers keep the state
 * graph small; together the inputs must reach every transition of the machine.
 */
import type { FailoverInput } from '../../machines/executionFailover.js';
import type { PolicySettings } from '../../machines/policy.js';

/** A named input of the machine. */
export interface ModelInput {
  readonly name: string;
  readonly input: FailoverInput;
}

const SMALL_FAILOVER: PolicySettings = {
  failureThreshold: 2,
  recoveryTimeoutSeconds: 300,
  recoveryTimeoutMaxSeconds: 1200,
  failoverEnabled: true,
  recoverySuccesses: 2,
  healthCheckIntervalSeconds: 10,
  autoResume: false,
};

/** Failover on, failover off (the chain is the primary alone), and auto-resume on. */
export const MODEL_INPUTS: readonly ModelInput[] = [
  { name: 'failover', input: { settings: SMALL_FAILOVER } },
  { name: 'failover disabled', input: { settings: { ...SMALL_FAILOVER, failoverEnabled: false } } },
  { name: 'auto-resume', input: { settings: { ...SMALL_FAILOVER, autoResume: true } } },
];
