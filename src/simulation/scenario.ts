/**
 * The scenario file format of `npm run simulate` and of the inspector's simulation view, and its
 * validation. Pure: no I/O, so the page parses files with the same code as the CLI.
 *
 * A scenario names the policy variables it changes (contract section 6 names), how often a signal
 * arrives, what happens when (engines going down or up, operator actions), how long it runs, and
 * which top-level state it expects at which time. Times are seconds of simulated time from 0.
 */
import { z } from 'zod';
import { ENGINE_IDS, TOP_STATES, type EngineId, type TopState } from '../../machines/engines.js';
import { DEFAULT_POLICY_SETTINGS, POLICY_VARIABLES, type PolicySettings } from '../../machines/policy.js';
import { SIGNAL_ACTIONS } from '../../machines/routing.js';
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

/** The reason an operator pause gets when the file gives none. */
export const DEFAULT_PAUSE_REASON = 'operator';

/** The reason a maintenance gets when the file gives none. */
export const DEFAULT_MAINTENANCE_REASON = 'maintenance';

/** More periodic steps than this (signals or probe rounds) make a file too long to simulate. */
export const MAX_PERIODIC_STEPS = 1_000_000;

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return String(value);
  return Array.isArray(value) ? 'an array' : `an ${typeof value}`;
}

/** A zod error message: "is required" when missing, else what it must be and what it got. */
function expecting(what: string): (issue: { readonly input?: unknown }) => string {
  return (issue) => (issue.input === undefined ? `is required (${what})` : `must be ${what}, got ${describeValue(issue.input)}`);
}

/** A JSON number (zod rejects NaN and infinities) for which `valid` holds. */
function numberWhere(what: string, valid: (value: number) => boolean) {
  return z.number({ error: expecting(what) }).refine(valid, { error: expecting(what) });
}

/** The simulation's resolution: times are rounded to the millisecond, so durations are at least one. */
export const MIN_DURATION_SECONDS = 0.001;

const time = numberWhere('a time in seconds, 0 or more', (value) => value >= 0);
const duration = numberWhere(`a number of seconds, ${MIN_DURATION_SECONDS} or more`, (value) => value >= MIN_DURATION_SECONDS);
const count = numberWhere('a whole number of 1 or more', (value) => Number.isInteger(value) && value >= 1);
const percentage = numberWhere('a percentage from 1 to 100', (value) => value >= 1 && value <= 100);
const flag = z.boolean({ error: expecting('true or false') });
const engineId = z.enum(ENGINE_IDS, { error: expecting(`one of ${ENGINE_IDS.join(', ')}`) });

/** The variables of position affinity a scenario may set besides the policy's. */
export const AFFINITY_VARIABLES = { affinity: 'EXECUTION_POSITION_AFFINITY', positionWaitSeconds: 'EXECUTION_POSITION_WAIT' } as const;
const DEFAULT_POSITION_WAIT_SECONDS = 300;

const configSchema = z.strictObject(
  {
    [POLICY_VARIABLES.failureThreshold]: count.optional(),
    [POLICY_VARIABLES.recoveryTimeoutSeconds]: duration.optional(),
    [POLICY_VARIABLES.recoveryTimeoutMaxSeconds]: duration.optional(),
    [POLICY_VARIABLES.failoverEnabled]: flag.optional(),
    [POLICY_VARIABLES.recoverySuccesses]: count.optional(),
    [POLICY_VARIABLES.healthCheckIntervalSeconds]: duration.optional(),
    [POLICY_VARIABLES.autoResume]: flag.optional(),
    [POLICY_VARIABLES.failureRateThreshold]: percentage.optional(),
    [POLICY_VARIABLES.failureRateWindowSeconds]: duration.optional(),
    [POLICY_VARIABLES.failureRateMinCalls]: count.optional(),
    [POLICY_VARIABLES.slowCallMs]: count.optional(),
    [POLICY_VARIABLES.slowCallRateThreshold]: percentage.optional(),
    [AFFINITY_VARIABLES.affinity]: flag.optional(),
    [AFFINITY_VARIABLES.positionWaitSeconds]: duration.optional(),
  },
  { error: expecting('an object of policy variables') },
);

const engineChangeSchema = z
  .strictObject({
    at: time,
    engine: engineId,
    becomes: z.enum(['down', 'up', 'flaky', 'slow'], { error: expecting('"down", "up", "flaky" or "slow"') }),
    latency_ms: numberWhere('a whole number of milliseconds, 1 or more', (value) => Number.isInteger(value) && value >= 1).optional(),
  })
  .refine((change) => (change.becomes === 'slow') === (change.latency_ms !== undefined), {
    error: '"latency_ms" goes with "becomes": "slow", and "slow" needs it',
    path: ['latency_ms'],
  });

const pauseSchema = z.strictObject({
  at: time,
  operator: z.literal('pause'),
  reason: z
    .string({ error: expecting('a non-empty string') })
    .refine((text) => text.length > 0, { error: expecting('a non-empty string') })
    .default(DEFAULT_PAUSE_REASON),
});
const resumeSchema = z.strictObject({ at: time, operator: z.literal('resume') });
const switchSchema = z.strictObject({ at: time, operator: z.literal('switch'), engine: engineId });

const maintenanceSchema = z.strictObject({
  at: time,
  operator: z.literal('maintenance'),
  engine: engineId,
  reason: z
    .string({ error: expecting('a non-empty string') })
    .refine((text) => text.length > 0, { error: expecting('a non-empty string') })
    .default(DEFAULT_MAINTENANCE_REASON),
  until: time.optional(),
});
const maintenanceEndSchema = z.strictObject({ at: time, operator: z.literal('maintenance_end'), engine: engineId });

const OPERATOR_SCHEMAS = {
  pause: pauseSchema,
  resume: resumeSchema,
  switch: switchSchema,
  maintenance: maintenanceSchema,
  maintenance_end: maintenanceEndSchema,
} as const;

function isOperatorName(value: unknown): value is keyof typeof OPERATOR_SCHEMAS {
  return typeof value === 'string' && Object.hasOwn(OPERATOR_SCHEMAS, value);
}

type EventSchema = typeof engineChangeSchema | (typeof OPERATOR_SCHEMAS)[keyof typeof OPERATOR_SCHEMAS];

function unknownKeys(keys: readonly string[], noun: 'field' | 'variable', accepted: readonly string[]): string {
  const names = keys.map((key) => JSON.stringify(key)).join(', ');
  return `unknown ${noun}${keys.length > 1 ? 's' : ''} ${names}; accepted: ${accepted.join(', ')}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * An event is either an engine change or an operator action; which one is read from its keys
 * first, so a wrong field is reported against the kind the author meant rather than as a vague
 * "matches no alternative".
 */
const eventSchema = z.unknown().transform((value, ctx): ScenarioEvent => {
  const fail = (message: string, path: PropertyKey[] = []): never => {
    ctx.addIssue({ code: 'custom', message, path, input: value });
    return z.NEVER;
  };
  if (!isRecord(value)) return fail(`must be an object, got ${describeValue(value)}`);
  let schema: EventSchema = engineChangeSchema;
  if ('operator' in value) {
    const operator = value.operator;
    if (!isOperatorName(operator)) {
      return fail(`must be one of ${Object.keys(OPERATOR_SCHEMAS).join(', ')}, got ${describeValue(operator)}`, ['operator']);
    }
    schema = OPERATOR_SCHEMAS[operator];
  } else if (!('becomes' in value)) {
    return fail('must have either "operator" (pause, resume, switch, maintenance, maintenance_end) or "engine" and "becomes" (down, up, flaky, slow)');
  }
  const parsed = schema.safeParse(value, { reportInput: true });
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    const message = issue.code === 'unrecognized_keys' ? unknownKeys(issue.keys, 'field', Object.keys(schema.shape)) : issue.message;
    fail(message, issue.path);
  }
  return z.NEVER;
});

const expectationSchema = z.strictObject({
  at: time,
  state: z.enum(TOP_STATES, { error: expecting(`one of ${TOP_STATES.join(', ')}`) }),
});

const action = z.enum(SIGNAL_ACTIONS, { error: expecting(`one of ${SIGNAL_ACTIONS.join(', ')}`) });
const quantity = numberWhere('a number above 0', (value) => value > 0);
const signalsSchema = z.strictObject(
  {
    every: duration,
    actions: z
      .array(action, { error: expecting('an array of actions such as ["BUY", "SELL"]') })
      .min(1, { error: expecting('at least one action') })
      .optional(),
    quantities: z
      .array(quantity, { error: expecting('an array of quantities such as [30, 30]') })
      .min(1, { error: expecting('at least one quantity') })
      .optional(),
  },
  { error: expecting('an object like {"every": 1}') },
);

const scenarioSchema = z.strictObject(
  {
    name: z.string({ error: expecting('a non-empty string') }).refine((text) => text.trim().length > 0, { error: expecting('a non-empty string') }),
    description: z.string({ error: expecting('a string') }).optional(),
    config: configSchema.default({}),
    signals: signalsSchema,
    events: z.array(eventSchema, { error: expecting('an array of events') }).default([]),
    until: duration,
    expect: z.array(expectationSchema, { error: expecting('an array of expectations') }).default([]),
  },
  { error: expecting('a JSON object') },
);

function pathText(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, key) => {
    if (typeof key === 'number') return `${text}[${key}]`;
    return text === '' ? String(key) : `${text}.${String(key)}`;
  }, '');
}

/** The fields of the strict object at `path` (events are checked by their own schema). */
function acceptedFieldsAt(path: readonly PropertyKey[]): string[] {
  if (path.length === 0) return Object.keys(scenarioSchema.shape);
  if (path[0] === 'signals') return Object.keys(signalsSchema.shape);
  return Object.keys(expectationSchema.shape);
}

function problemOf(issue: z.core.$ZodIssue): string {
  const field = pathText(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const where = field === '' ? 'the scenario' : field;
    if (field === 'config')
      return `${where}: ${unknownKeys(issue.keys, 'variable', [...Object.values(POLICY_VARIABLES), ...Object.values(AFFINITY_VARIABLES)])}`;
    return `${where}: ${unknownKeys(issue.keys, 'field', acceptedFieldsAt(issue.path))}`;
  }
  return field === '' ? issue.message : `${field}: ${issue.message}`;
}

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
