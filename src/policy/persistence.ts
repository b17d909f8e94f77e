/**
 * The policy state in Redis (`execution.failover.state`): written after every change, read at
 * start and by standbys. The recovery deadline is part of it, so a restart re-arms the timer.
 */
import { z } from 'zod';
import { EMPTY_WINDOW } from '../../machines/callWindow.js';
import { ENGINE_IDS, TOP_STATES, perEngine } from '../../machines/engines.js';
import { noMaintenance } from '../../machines/maintenance.js';
import { TRANSITION_REASONS, type FailoverContext } from '../../machines/policy.js';
import { systemClock, type Clock } from '../clock.js';
import { resolvePolicyState } from './runtime.js';
import type { PolicyState } from './status.js';

/**
 * Bumped when the stored format changes; versions other than these are ignored. Version 2 added each
 * engine's call window, window trip and maintenance; a version-1 state loads with none of them.
 */
export const PERSISTED_FORMAT_VERSION = 2;

/** The Redis commands persistence uses (an ioredis client fits). */
export interface StateStore {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<unknown>;
}

/** An object schema with `schema` for each engine's value (the zod side of `perEngine`). */
const perEngineSchema = <T extends z.ZodType>(schema: T) => z.object({ lean_self_hosted: schema, quanttrader_pybroker: schema, nautilus_trader: schema });

const transitionSchema = z.object({
  from: z.enum(TOP_STATES),
  to: z.enum(TOP_STATES),
  reason: z.enum(TRANSITION_REASONS),
  at: z.number(),
});

const bucketSchema = z.object({
  start: z.number(),
  calls: z.number().int().nonnegative(),
  failures: z.number().int().nonnegative(),
  slow: z.number().int().nonnegative(),
});

const maintenanceSchema = z.object({ reason: z.string(), until: z.number().nullable() }).nullable();

const contextV1Schema = z.object({
  failures: perEngineSchema(z.number().int().nonnegative()),
  probeHealthy: perEngineSchema(z.boolean().nullable()),
  healthyStreaks: perEngineSchema(z.number().int().nonnegative()),
  recoveryTimeoutSeconds: z.number().positive(),
  recoveryDeadline: z.number().nullable(),
  recoveryArmedAt: z.number().nullable(),
  failback: z.object({ engine: z.enum(ENGINE_IDS), at: z.number(), timeoutSeconds: z.number().positive() }).nullable(),
  stableSince: z.number().nullable().default(null),
  pausedReason: z.string().nullable(),
  lastTransition: transitionSchema.nullable(),
  history: z.array(transitionSchema),
});

const contextSchema = contextV1Schema.extend({
  windows: perEngineSchema(z.array(bucketSchema)),
  rateTrips: perEngineSchema(z.enum(['failure_rate', 'slow_calls']).nullable()),
  maintenance: perEngineSchema(maintenanceSchema),
});

const stateValueSchema = z.union([z.string(), z.record(z.string(), z.unknown())]);

const persistedSchema = z.discriminatedUnion('version', [
  z.object({ version: z.literal(PERSISTED_FORMAT_VERSION), savedAt: z.number(), value: stateValueSchema, context: contextSchema }),
  // Written before windows and maintenance existed: every engine starts with neither.
  z.object({
    version: z.literal(1),
    savedAt: z.number(),
    value: stateValueSchema,
    context: contextV1Schema.transform((context) => ({
      ...context,
      windows: perEngine(() => EMPTY_WINDOW),
      rateTrips: perEngine(() => null),
      maintenance: noMaintenance(),
    })),
  }),
]);

/** What was found under the state key. */
export type LoadedPolicyState =
  | { readonly kind: 'found'; readonly state: PolicyState; readonly savedAt: number }
  | { readonly kind: 'absent' }
  /** Present but unusable (another format, corrupt JSON, a state this machine lacks): ignore it. */
  | { readonly kind: 'incompatible'; readonly reason: string };

/** The JSON stored for a policy state. Settings are not stored: they come from the environment. */
export function serializePolicyState(state: PolicyState, savedAt: number): string {
  const { settings: _settings, ...context } = state.context;
  return JSON.stringify({ version: PERSISTED_FORMAT_VERSION, savedAt, value: state.value, context });
}

/**
 * Parses a stored policy state. The settings of the result are `settings` (today's configuration).
 * Never throws.
 */
export function parsePolicyState(text: string | null, settings: FailoverContext['settings']): LoadedPolicyState {
  if (text === null) return { kind: 'absent' };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { kind: 'incompatible', reason: 'the stored policy state is not JSON' };
  }
  const parsed = persistedSchema.safeParse(json);
  if (!parsed.success) {
    return { kind: 'incompatible', reason: `the stored policy state has another format: ${z.prettifyError(parsed.error)}` };
  }
  const { value, context, savedAt } = parsed.data;
  const state: PolicyState = { value, context: { ...context, settings } };
  try {
    // Restoring throws on a state value this statechart does not have (renamed or removed since).
    const resolved = resolvePolicyState(state, settings);
    // XState resolves `{}` to the initial state and `{a: …, b: …}` to two sibling states at once
    // without complaint; neither is a state the writer ever stores.
    if (!isSingleBranch(state.value) || !isSingleBranch(resolved.value)) {
      throw new Error(`${JSON.stringify(state.value)} does not name exactly one state at each level`);
    }
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { kind: 'incompatible', reason: `the stored policy state names a state this statechart lacks: ${detail}` };
  }
  return { kind: 'found', savedAt, state };
}

/** Whether a state value names one child at every level, as states of a non-parallel statechart do. */
function isSingleBranch(value: unknown): boolean {
  if (typeof value === 'string') return true;
  if (value === null || typeof value !== 'object') return false;
  const children = Object.values(value);
  return children.length === 1 && isSingleBranch(children[0]);
}

/** Reads the stored policy state. Never throws for bad content; Redis errors propagate. */
export async function loadPolicyState(store: StateStore, key: string, settings: FailoverContext['settings']): Promise<LoadedPolicyState> {
  let text: string | null;
  try {
    text = await store.get(key);
  } catch (error) {
    // Someone stored another type under the key: that is content we cannot use, not an outage.
    if (error instanceof Error && error.message.startsWith('WRONGTYPE')) {
      return { kind: 'incompatible', reason: `${key} holds another Redis type than a string` };
    }
    throw error;
  }
  return parsePolicyState(text, settings);
}

/**
 * A state a term could not save before it ended (Redis was away), and the `savedAt` of the stored
 * state it was last in step with (null: none was stored).
 */
export interface UnsavedPolicyState {
  readonly state: PolicyState;
  readonly basedOn: number | null;
}

/** The `savedAt` of what was loaded; null when nothing usable was stored. */
export function savedAtOf(loaded: LoadedPolicyState): number | null {
  return loaded.kind === 'found' ? loaded.savedAt : null;
}

/**
 * The state a new term starts from: what the store holds, unless this process carries a state an
 * earlier term of its own could not save, and the store still holds what that term was in step
 * with (nobody saved since). An operator's pause answered during a Redis outage then survives the
 * next term; a successor's newer state wins over it.
 */
export function startingPolicyState(loaded: LoadedPolicyState, carried: UnsavedPolicyState | null): { state: PolicyState | null; resumedUnsaved: boolean } {
  if (carried !== null && carried.basedOn === savedAtOf(loaded)) return { state: carried.state, resumedUnsaved: true };
  return { state: loaded.kind === 'found' ? loaded.state : null, resumedUnsaved: false };
}

/** Writes policy states as they change: one write in flight, later changes folded into the next. */
export interface PolicyStateWriter {
  /** Marks the state changed; `read` is called when the write happens, so it sees the latest. */
  changed(): void;
  /** Resolves when everything changed so far is written (or failed). */
  flush(): Promise<void>;
  /**
   * The term is over: one last try for what is unwritten, and no retry after it, so that a
   * shutdown during a Redis outage ends (the next term starts from what was saved before).
   */
  close(): Promise<void>;
  /**
   * Waits for the changes made so far to be written; false when a write failed first (later
   * changes are not waited for).
   */
  saved(): Promise<boolean>;
  /** After {@link close}: the state it could not write, if any, for the next term of this process. */
  unsaved(): UnsavedPolicyState | null;
}

/**
 * A writer that keeps at most one SET in flight and skips writes of an unchanged state, so a burst of
 * events costs one round trip, not one per event.
 */
export function createPolicyStateWriter(options: {
  store: StateStore;
  key: string;
  read: () => PolicyState;
  /** Stamps each write and times the retry after a failed one; default {@link systemClock}. */
  clock?: Clock;
  onError: (error: unknown) => void;
  /** How long to wait before writing again after a failed write. */
  retryMs?: number;
  /** The `savedAt` of the stored state the term began from (null: none). */
  basedOn?: number | null;
}): PolicyStateWriter {
  let lastWritten = '';
  // Changes are numbered; `writtenThrough` is the last one a successful write (or a skipped one,
  // already written) covered, so a caller can wait for its own change and not for later ones.
  let changes = 0;
  let writtenThrough = 0;
  let lastSavedAt = options.basedOn ?? null;
  let dirty = false;
  let closed = false;
  const clock = options.clock ?? systemClock;
  /** The retry timer after a failed write; `retrying` says whether one is armed (a handle may be 0). */
  let retrying = false;
  let retry: unknown;
  let inFlight: Promise<void> | null = null;

  const writeLoop = async (): Promise<void> => {
    while (dirty) {
      dirty = false;
      const covering = changes;
      const state = options.read();
      const withoutTime = serializePolicyState(state, 0);
      if (withoutTime === lastWritten) {
        writtenThrough = covering;
        continue;
      }
      try {
        const savedAt = clock.now();
        await options.store.set(options.key, serializePolicyState(state, savedAt));
        lastWritten = withoutTime;
        lastSavedAt = savedAt;
        writtenThrough = covering;
      } catch (error) {
        options.onError(new Error(`Could not save the policy state to ${options.key}`, { cause: error }));
        // Redis may be away for a while: try again later rather than lose the change.
        if (closed) return;
        retrying = true;
        retry = clock.setTimeout(() => {
          retrying = false;
          writer.changed();
        }, options.retryMs ?? 1000);
        return;
      }
    }
  };

  const writer: PolicyStateWriter = {
    changed() {
      if (closed) return;
      changes++;
      dirty = true;
      inFlight ??= writeLoop().finally(() => {
        inFlight = null;
        // A change can land after the loop's last look at `dirty` but before this runs, while
        // `inFlight` still blocks a new loop: pick it up here or it waits for the next change.
        if (dirty) writer.changed();
      });
    },
    async flush() {
      while (inFlight !== null) await inFlight;
    },
    async close() {
      if (closed) return writer.flush();
      // A write that failed and waits for its retry gets its last try now.
      const wasRetrying = retrying;
      if (retrying) clock.clearTimeout(retry);
      retrying = false;
      if (wasRetrying) writer.changed();
      closed = true;
      await writer.flush();
    },
    async saved() {
      const target = changes;
      await writer.flush();
      return writtenThrough >= target;
    },
    unsaved() {
      const state = options.read();
      return serializePolicyState(state, 0) === lastWritten ? null : { state, basedOn: lastSavedAt };
    },
  };
  return writer;
}
