/**
 * The representative policy settings the model is explored under. Small numbers keep the state
 * graph small; together the inputs must reach every transition of the machine.
 */
import type { FailoverInput } from '../../machines/executionFailover.js';
import type { PolicySettings } from '../../machines/policy.js';

/** Which optional kinds of event the model offers under an input (each one widens the graph). */
export interface ModelOffers {
  /** Calls with durations, a slow success among them: the window rules' events. */
  readonly timedCalls?: boolean;
  /** Operators putting engines into maintenance (with and without `until`) and ending it. */
  readonly maintenance?: boolean;
}

/** A named input of the machine. */
export interface ModelInput {
  readonly name: string;
  readonly input: FailoverInput;
  readonly offers?: ModelOffers;
  /**
   * How many events deep this input is explored, when less than the traversal's maximum: the
   * optional events widen the graph, and their transitions are all reached in fewer steps.
   */
  readonly maxDepth?: number;
}

const SMALL_FAILOVER: PolicySettings = {
  failureThreshold: 2,
  recoveryTimeoutSeconds: 300,
  recoveryTimeoutMaxSeconds: 1200,
  failoverEnabled: true,
  recoverySuccesses: 2,
  healthCheckIntervalSeconds: 10,
  autoResume: false,
  failureRateThreshold: null,
  failureRateWindowSeconds: 60,
  failureRateMinCalls: 20,
  slowCallMs: null,
  slowCallRateThreshold: 50,
};

/**
 * Window rules that three calls can trip: a failure share of 60 % sits between one and two of
 * three (so a slow call can trip first), and three consecutive failures still come first.
 */
const SMALL_WINDOWS: PolicySettings = {
  ...SMALL_FAILOVER,
  failureThreshold: 3,
  failureRateThreshold: 60,
  failureRateMinCalls: 3,
  slowCallMs: 100,
  slowCallRateThreshold: 50,
};

/** Failover on, failover off (the chain is the primary alone), auto-resume on, window rules, maintenance. */
export const MODEL_INPUTS: readonly ModelInput[] = [
  { name: 'failover', input: { settings: SMALL_FAILOVER } },
  { name: 'failover disabled', input: { settings: { ...SMALL_FAILOVER, failoverEnabled: false } } },
  { name: 'auto-resume', input: { settings: { ...SMALL_FAILOVER, autoResume: true } } },
  { name: 'window rules', input: { settings: SMALL_WINDOWS }, offers: { timedCalls: true }, maxDepth: 5 },
  { name: 'maintenance', input: { settings: SMALL_FAILOVER }, offers: { maintenance: true }, maxDepth: 4 },
];
