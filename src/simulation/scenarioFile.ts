/**
 * The schema of a scenario file: every field, what it accepts, and the sentence a wrong one gets
 * (naming the field, what it must be and what it got). Pure, like the rest of the simulator.
 */
import { z } from 'zod';
import { ENGINE_IDS, TOP_STATES } from '../../machines/engines.js';
import { POLICY_VARIABLES } from '../../machines/policy.js';
import { SIGNAL_ACTIONS } from '../../machines/routing.js';
import type { ScenarioEvent } from './scenario.js';

/** The reason an operator pause gets when the file gives none. */
export const DEFAULT_PAUSE_REASON = 'operator';

/** The reason a maintenance gets when the file gives none. */
export const DEFAULT_MAINTENANCE_REASON = 'maintenance';

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

export const scenarioSchema = z.strictObject(
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

/** A zod issue as the line a ScenarioError shows: the field, then what is wrong with it. */
export function problemOf(issue: z.core.$ZodIssue): string {
  const field = pathText(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const where = field === '' ? 'the scenario' : field;
    if (field === 'config')
      return `${where}: ${unknownKeys(issue.keys, 'variable', [...Object.values(POLICY_VARIABLES), ...Object.values(AFFINITY_VARIABLES)])}`;
    return `${where}: ${unknownKeys(issue.keys, 'field', acceptedFieldsAt(issue.path))}`;
  }
  return field === '' ? issue.message : `${field}: ${issue.message}`;
}
