/**
 * The policy variables of the contract's section 2: they can be read without any engine or HTTP
 * variable, and loadConfig takes its policy from here.
 */
import { DEFAULT_POLICY_SETTINGS, POLICY_VARIABLES, type PolicySettings } from '../../machines/policy.js';
import { booleanFlag, percent, positiveInteger, seconds, slowCallMs } from './values.js';
import { ConfigError, isSet, readOptional, variableReader } from './variables.js';
import type { z } from 'zod';

const variable = POLICY_VARIABLES;
const fallback = (field: keyof PolicySettings) => String(DEFAULT_POLICY_SETTINGS[field]);

/** The policy variables with a default; a missing or empty one takes it. */
const POLICY_TABLE = {
  [variable.failureThreshold]: { schema: positiveInteger('failures'), fallback: fallback('failureThreshold') },
  [variable.recoveryTimeoutSeconds]: { schema: seconds('recovery timeout'), fallback: fallback('recoveryTimeoutSeconds') },
  [variable.recoveryTimeoutMaxSeconds]: { schema: seconds('maximum recovery timeout'), fallback: fallback('recoveryTimeoutMaxSeconds') },
  [variable.failoverEnabled]: { schema: booleanFlag, fallback: fallback('failoverEnabled') },
  [variable.recoverySuccesses]: { schema: positiveInteger('healthy probes'), fallback: fallback('recoverySuccesses') },
  [variable.healthCheckIntervalSeconds]: { schema: seconds('probe interval'), fallback: fallback('healthCheckIntervalSeconds') },
  [variable.autoResume]: { schema: booleanFlag, fallback: fallback('autoResume') },
  [variable.failureRateWindowSeconds]: { schema: seconds('window'), fallback: fallback('failureRateWindowSeconds') },
  [variable.failureRateMinCalls]: { schema: positiveInteger('calls'), fallback: fallback('failureRateMinCalls') },
  [variable.slowCallRateThreshold]: { schema: percent.transform(Number), fallback: fallback('slowCallRateThreshold') },
} as const;

const read = variableReader(POLICY_TABLE);

/** An optional number checked by `schema`; unset or empty is null. */
function optionalNumber(env: NodeJS.ProcessEnv, name: string, schema: z.ZodType<string>): number | null {
  const text = readOptional(env, name, schema);
  return text === undefined ? null : Number(text);
}

/** The policy variables of section 2, from the environment. */
export function loadPolicySettings(env: NodeJS.ProcessEnv): PolicySettings {
  const settings: PolicySettings = {
    failureThreshold: read(env, variable.failureThreshold),
    recoveryTimeoutSeconds: read(env, variable.recoveryTimeoutSeconds),
    recoveryTimeoutMaxSeconds: isSet(env, variable.recoveryTimeoutMaxSeconds)
      ? read(env, variable.recoveryTimeoutMaxSeconds)
      : // Raising the timeout alone must not trip over the default cap.
        Math.max(read(env, variable.recoveryTimeoutMaxSeconds), read(env, variable.recoveryTimeoutSeconds)),
    failoverEnabled: read(env, variable.failoverEnabled),
    recoverySuccesses: read(env, variable.recoverySuccesses),
    healthCheckIntervalSeconds: read(env, variable.healthCheckIntervalSeconds),
    autoResume: read(env, variable.autoResume),
    // Off unless set: the contract gives these two no default.
    failureRateThreshold: optionalNumber(env, variable.failureRateThreshold, percent),
    failureRateWindowSeconds: read(env, variable.failureRateWindowSeconds),
    failureRateMinCalls: read(env, variable.failureRateMinCalls),
    slowCallMs: optionalNumber(env, variable.slowCallMs, slowCallMs),
    slowCallRateThreshold: read(env, variable.slowCallRateThreshold),
  };
  if (settings.recoveryTimeoutMaxSeconds < settings.recoveryTimeoutSeconds) {
    throw new ConfigError(
      variable.recoveryTimeoutMaxSeconds,
      `${variable.recoveryTimeoutMaxSeconds}=${settings.recoveryTimeoutMaxSeconds} is not valid: expected at least ${variable.recoveryTimeoutSeconds} (${settings.recoveryTimeoutSeconds})`,
    );
  }
  return Object.freeze(settings);
}
