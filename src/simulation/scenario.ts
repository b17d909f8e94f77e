/**
 * A scenario of `npm run simulate` and of the inspector's simulation view, and its conversion from
 * a file that passed the schema (scenarioFile.ts): the settings resolved, the checks across fields,
 * the lists in time order. Pure: no I/O, so the page parses files with the same code as the CLI.
 *
 * A scenario names the policy variables it changes (contract section 6 names), how often a signal
 * arrives, what happens when (engines going down or up, operator actions), how long it runs, and
 * which top-level state it expects at which time. Times are seconds of simulated time from 0.
 */
import type { EngineId, TopState } from '../../machines/engines.js';
import { DEFAULT_POLICY_SETTINGS, POLICY_VARIABLES, type PolicySettings } from '../../machines/policy.js';
import { AFFINITY_VARIABLES, problemOf, scenarioSchema } from './scenarioFile.js';
import type { SignalPattern } from './signalFlow.js';

/** A scenario file that cannot be run: the message names each wrong field and why. */
export class ScenarioError extends Error {
  /** One line per problem, each starting with the field it is about. */
  readonly problems: readonly string[];

  constructor(problems: readonly string[], options?: ErrorOptions) {
    super(`invalid scenario:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`, options);
    this.name = 'ScenarioError';
    this.problems = problems;
  }
}

/** The policy variables a scenario sets, and those of position affinity; the others keep their defaults. */
export type ScenarioConfig = {
  readonly [Field in keyof PolicySettings as (typeof POLICY_VARIABLES)[Field]]?: PolicySettings[Field];
} & { readonly EXECUTION_POSITION_AFFINITY?: boolean; readonly EXECUTION_POSITION_WAIT?: number };

/**
 * An engine starts failing (`down`) or succeeding (`up`) every execution and every probe, failing
 * every other execution (`flaky`), or answering every execution after `latency_ms` (`slow`); a
 * flaky or slow engine passes its probes.
 */
export interface EngineChange {
  readonly at: number;
  readonly engine: EngineId;
  readonly becomes: EngineBehaviour;
  /** How long a `slow` engine takes to answer; only with `slow`, and required there. */
  readonly latency_ms?: number;
}

/** How an engine behaves from an engine change on. */
export type EngineBehaviour = 'down' | 'up' | 'flaky' | 'slow';

/** What an operator does through the admin API. */
export type OperatorAction =
  | { readonly at: number; readonly operator: 'pause'; readonly reason: string }
  | { readonly at: number; readonly operator: 'resume' }
  | { readonly at: number; readonly operator: 'switch'; readonly engine: EngineId }
  /** `until` in scenario seconds; absent: until a `maintenance_end`. */
  | { readonly at: number; readonly operator: 'maintenance'; readonly engine: EngineId; readonly reason: string; readonly until?: number }
  | { readonly at: number; readonly operator: 'maintenance_end'; readonly engine: EngineId };

/** Something that happens to the system at a time. */
export type ScenarioEvent = EngineChange | OperatorAction;

/** The top-level state the scenario expects at a time. */
export interface Expectation {
  readonly at: number;
  readonly state: TopState;
}

/** A valid scenario, times in seconds. */
export interface Scenario {
  readonly name: string;
  readonly description: string | null;
  /** The variables as the file gave them. */
  readonly config: ScenarioConfig;
  /** The file's variables over the defaults: what the policy runs with. */
  readonly settings: PolicySettings;
  /** When signals arrive, what they do, and whether exits follow their positions. */
  readonly signals: SignalPattern;
  /** In time order; events at the same time keep the file's order. */
  readonly events: readonly ScenarioEvent[];
  /** The simulation ends after everything at this time. */
  readonly until: number;
  /** In time order; expectations at the same time keep the file's order. */
  readonly expect: readonly Expectation[];
}

/** More periodic steps than this (signals or probe rounds) make a file too long to simulate. */
export const MAX_PERIODIC_STEPS = 1_000_000;

const DEFAULT_POSITION_WAIT_SECONDS = 300;

function settingsFrom(config: ScenarioConfig): PolicySettings {
  return {
    failureThreshold: config[POLICY_VARIABLES.failureThreshold] ?? DEFAULT_POLICY_SETTINGS.failureThreshold,
    recoveryTimeoutSeconds: config[POLICY_VARIABLES.recoveryTimeoutSeconds] ?? DEFAULT_POLICY_SETTINGS.recoveryTimeoutSeconds,
    recoveryTimeoutMaxSeconds: config[POLICY_VARIABLES.recoveryTimeoutMaxSeconds] ?? DEFAULT_POLICY_SETTINGS.recoveryTimeoutMaxSeconds,
    failoverEnabled: config[POLICY_VARIABLES.failoverEnabled] ?? DEFAULT_POLICY_SETTINGS.failoverEnabled,
    recoverySuccesses: config[POLICY_VARIABLES.recoverySuccesses] ?? DEFAULT_POLICY_SETTINGS.recoverySuccesses,
    healthCheckIntervalSeconds: config[POLICY_VARIABLES.healthCheckIntervalSeconds] ?? DEFAULT_POLICY_SETTINGS.healthCheckIntervalSeconds,
    autoResume: config[POLICY_VARIABLES.autoResume] ?? DEFAULT_POLICY_SETTINGS.autoResume,
    failureRateThreshold: config[POLICY_VARIABLES.failureRateThreshold] ?? DEFAULT_POLICY_SETTINGS.failureRateThreshold,
    failureRateWindowSeconds: config[POLICY_VARIABLES.failureRateWindowSeconds] ?? DEFAULT_POLICY_SETTINGS.failureRateWindowSeconds,
    failureRateMinCalls: config[POLICY_VARIABLES.failureRateMinCalls] ?? DEFAULT_POLICY_SETTINGS.failureRateMinCalls,
    slowCallMs: config[POLICY_VARIABLES.slowCallMs] ?? DEFAULT_POLICY_SETTINGS.slowCallMs,
    slowCallRateThreshold: config[POLICY_VARIABLES.slowCallRateThreshold] ?? DEFAULT_POLICY_SETTINGS.slowCallRateThreshold,
  };
}

/** Problems that involve more than one field, found once every field is valid by itself. */
function crossFieldProblems(scenario: Scenario): string[] {
  const problems: string[] = [];
  const { settings, until } = scenario;
  if (settings.recoveryTimeoutMaxSeconds < settings.recoveryTimeoutSeconds) {
    problems.push(
      `config.${POLICY_VARIABLES.recoveryTimeoutMaxSeconds}: ${settings.recoveryTimeoutMaxSeconds} is below ` +
        `${POLICY_VARIABLES.recoveryTimeoutSeconds} ${settings.recoveryTimeoutSeconds}; the cap must be at least the base timeout`,
    );
  }
  const periodic = [
    ['signals.every', scenario.signals.every],
    [`config.${POLICY_VARIABLES.healthCheckIntervalSeconds}`, settings.healthCheckIntervalSeconds],
  ] as const;
  for (const [field, every] of periodic) {
    const steps = Math.floor(Math.round(until * 1000) / Math.round(every * 1000)) + 1;
    if (steps > MAX_PERIODIC_STEPS) {
      problems.push(`${field}: every ${every} s until ${until} s makes ${steps} steps; at most ${MAX_PERIODIC_STEPS}`);
    }
  }
  const late = (list: readonly { readonly at: number }[], field: string) =>
    list.flatMap((item, index) => (item.at > until ? [`${field}[${index}].at: ${item.at} is after until (${until}), so it would never happen`] : []));
  return [...problems, ...late(scenario.events, 'events'), ...late(scenario.expect, 'expect')];
}

function byTime<T extends { readonly at: number }>(list: readonly T[]): T[] {
  // Array.prototype.sort is stable, so equal times keep the file's order.
  return [...list].sort((a, b) => a.at - b.at);
}

/**
 * Validates a parsed scenario file. Throws a {@link ScenarioError} naming every wrong field and
 * why; otherwise returns the scenario with its settings resolved and its lists in time order.
 */
export function parseScenario(json: unknown): Scenario {
  const parsed = scenarioSchema.safeParse(json, { reportInput: true });
  if (!parsed.success) throw new ScenarioError(parsed.error.issues.map(problemOf), { cause: parsed.error });
  const file = parsed.data;
  const config: ScenarioConfig = file.config;
  // Cross-field checks see the file's order, so their indexes match what the author wrote.
  const asWritten: Scenario = {
    name: file.name,
    description: file.description ?? null,
    config,
    settings: settingsFrom(config),
    signals: {
      every: file.signals.every,
      actions: file.signals.actions ?? null,
      quantities: file.signals.quantities ?? [1],
      affinity: config[AFFINITY_VARIABLES.affinity] ?? false,
      positionWaitSeconds: config[AFFINITY_VARIABLES.positionWaitSeconds] ?? DEFAULT_POSITION_WAIT_SECONDS,
    },
    events: file.events,
    until: file.until,
    expect: file.expect,
  };
  const problems = crossFieldProblems(asWritten);
  if (problems.length > 0) throw new ScenarioError(problems);
  return { ...asWritten, events: byTime(asWritten.events), expect: byTime(asWritten.expect) };
}

/** Parses the text of a scenario file: {@link parseScenario} after JSON, with the same error type. */
export function parseScenarioText(text: string): Scenario {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new ScenarioError([`not valid JSON: ${detail}`], { cause: error });
  }
  return parseScenario(json);
}
