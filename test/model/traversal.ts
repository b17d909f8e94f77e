/**
 * Explores the failover statechart with `xstate/graph` and finds, for every transition definition,
 * the shortest sequence of events that makes the machine take it.
 *
 * The machine is wrapped in a small actor logic whose snapshot also carries the model's clock, the
 * events that led to it and the transition keys the last event took. The wrapper steps the real
 * machine with its pure `transition`, so the traversal sees exactly what an actor would do, and it
 * records the transitions taken through XState's own microstep inspection. Delayed transitions are
 * taken by sending their internal after-event at the recovery deadline.
 */
import { createActor, getNextTransitions, type ActorLogic, type ActorScope, type EventObject } from 'xstate';
import { adjacencyMapToArray, getAdjacencyMap } from 'xstate/graph';
import { ENGINE_IDS, engineOfState, topStateOf, type EngineId } from '../../machines/engines.js';
import { failoverMachine, type FailoverEvent, type FailoverInput, type FailoverSnapshot, type ProbeResults } from '../../machines/executionFailover.js';
import { countsAt } from '../../machines/callWindow.js';
import { nextMaintenanceEnd } from '../../machines/maintenance.js';
import type { ModelInput } from './inputs.js';
import { MODEL_START, type DelayElapsed, type ModelEvent } from './modelEvents.js';
import { type TransitionIndex, isAfterEventType, type TransitionKey } from './transitions.js';

/** A state of the model: the machine's snapshot, the model's clock, and how it was reached. */
export interface ModelSnapshot {
  readonly status: 'active';
  readonly output: undefined;
  readonly error: undefined;
  readonly machine: FailoverSnapshot;
  /** The time of the last event, epoch ms. */
  readonly now: number;
  /** The events from the initial state to this one: a shortest path, as the traversal is breadth-first. */
  readonly trail: readonly ModelEvent[];
  /** The transitions the last event took, one list per microstep. */
  readonly taken: readonly (readonly TransitionKey[])[];
}

/** The shortest way found to make the machine take one transition. */
export interface TransitionCase {
  readonly key: TransitionKey;
  readonly input: ModelInput;
  /** The events that lead from the initial state to `source`. */
  readonly trail: readonly ModelEvent[];
  /** The state the transition is taken from, as the traversal computed it. */
  readonly source: FailoverSnapshot;
  /** The event that takes the transition. */
  readonly event: ModelEvent;
  /** The state after the event, as the traversal computed it. */
  readonly target: FailoverSnapshot;
  /** Every transition `event` took, one list per microstep. */
  readonly taken: readonly (readonly TransitionKey[])[];
}

/** What exploring one input found. */
export interface Exploration {
  readonly input: ModelInput;
  /** Distinct states, as `serializeModelState` tells them apart. */
  readonly states: number;
  /** Events sent during the traversal. */
  readonly edges: number;
  /** The shortest case per transition key this input reaches. */
  readonly cases: ReadonlyMap<TransitionKey, TransitionCase>;
  /** Every event the traversal sent, with the state it was sent in and the state it led to. */
  readonly steps: readonly ExploredStep[];
}

/** One edge of the explored graph. */
export interface ExploredStep {
  readonly source: ModelSnapshot;
  readonly event: ModelEvent;
  readonly target: ModelSnapshot;
}

type MachineScope = ActorScope<FailoverSnapshot, FailoverEvent>;

/**
 * The machine's transition function as it behaves at run time: besides the policy's events it
 * takes XState's internal events, such as the after-event a delayed transition waits for. The
 * declared signature only admits `FailoverEvent`; method parameters are compared bivariantly, so
 * the machine fits this wider view without a cast.
 */
interface TakesInternalEvents {
  transition(snapshot: FailoverSnapshot, event: EventObject, scope: MachineScope): FailoverSnapshot;
}

/** One probe round per line: every engine probed, with these results. */
const PROBE_ROUNDS: readonly ProbeResults[] = [
  { lean_self_hosted: true, quanttrader_pybroker: true, nautilus_trader: true },
  { lean_self_hosted: false, quanttrader_pybroker: false, nautilus_trader: false },
  { lean_self_hosted: true, quanttrader_pybroker: false, nautilus_trader: false },
  { lean_self_hosted: false, quanttrader_pybroker: true, nautilus_trader: false },
  { lean_self_hosted: false, quanttrader_pybroker: false, nautilus_trader: true },
];

/** The reason an operator gives when pausing, in the model. */
export const OPERATOR_PAUSE_REASON = 'maintenance window';

/** Milliseconds between an event and the next one, unless the event is a probe round. */
const EVENT_SPACING_MS = 1_000;

/** How long a slow call takes in the model, and a quick one. */
const SLOW_CALL_MS = 5_000;
const QUICK_CALL_MS = 10;

/**
 * How long after it starts a maintenance with `until` ends in the model: off the whole seconds
 * of the other events, so its end never coincides with a recovery deadline.
 */
export const MAINTENANCE_MS = 30_500;

/** The reason an operator gives for a maintenance, in the model. */
export const MAINTENANCE_REASON = 'gateway restart';

/**
 * The events the model offers in `snapshot`: executions failing and succeeding on every engine
 * (and, when no timer is pending, the active engine failing once more than the longest recovery
 * timeout later, so ping-pong decay is reachable), probe rounds, operator pause, resume and
 * switches, a restore, and the pending timer running out; under an input that offers them, timed
 * calls of the engine in use (a slow success among them) and maintenance starting and ending.
 * Nothing is offered past a pending deadline but the timer itself: on a real clock it would fire
 * first.
 */
export function modelEvents(model: ModelInput, snapshot: ModelSnapshot): ModelEvent[] {
  const { settings } = model.input;
  const at = snapshot.now + EVENT_SPACING_MS;
  const probeAt = snapshot.now + settings.healthCheckIntervalSeconds * 1000;
  const events: ModelEvent[] = [];
  const active = activeEngineOf(snapshot.machine);
  if (model.offers?.timedCalls === true) {
    // The window rules are about the engine in use; the others only fail, to become unavailable.
    const timed = active ?? ENGINE_IDS[0];
    events.push(
      { type: 'EXECUTION_FAILED', engine: timed, at, durationMs: QUICK_CALL_MS },
      { type: 'EXECUTION_SUCCEEDED', engine: timed, at, durationMs: QUICK_CALL_MS },
      { type: 'EXECUTION_SUCCEEDED', engine: timed, at, durationMs: SLOW_CALL_MS },
    );
    for (const engine of ENGINE_IDS) if (engine !== timed) events.push({ type: 'EXECUTION_FAILED', engine, at });
  } else if (model.offers?.maintenance === true) {
    // Under maintenance the engine in use failing is what matters: a trip must skip maintained engines.
    if (active !== null) events.push({ type: 'EXECUTION_FAILED', engine: active, at });
  } else {
    for (const engine of ENGINE_IDS) {
      events.push({ type: 'EXECUTION_FAILED', engine, at }, { type: 'EXECUTION_SUCCEEDED', engine, at });
    }
  }
  for (const results of PROBE_ROUNDS) events.push({ type: 'HEALTH_CHECKED', results, at: probeAt });
  // The plain inputs explore pause and resume; under the window rules they only widen the graph.
  if (model.offers?.timedCalls !== true) events.push({ type: 'PAUSE', reason: OPERATOR_PAUSE_REASON, at }, { type: 'RESUME', at });
  for (const engine of ENGINE_IDS) events.push({ type: 'SWITCH', engine, at });
  events.push({ type: 'RESTORED', at });
  if (model.offers?.maintenance === true) {
    for (const engine of ENGINE_IDS) {
      events.push(
        { type: 'MAINTENANCE_STARTED', engine, reason: MAINTENANCE_REASON, until: null, at },
        { type: 'MAINTENANCE_STARTED', engine, reason: MAINTENANCE_REASON, until: at + MAINTENANCE_MS, at },
        { type: 'MAINTENANCE_ENDED', engine, at },
      );
    }
  }

  const pending = pendingTimer(snapshot.machine);
  if (pending !== null) return [...events.filter((event) => event.at < pending.at), pending];
  if (active !== null) {
    const muchLater = snapshot.now + (settings.recoveryTimeoutMaxSeconds + 1) * 1000;
    events.push({ type: 'EXECUTION_FAILED', engine: active, at: muchLater });
  }
  return events;
}

/** The timer that runs out first in `snapshot`: the recovery delay or the end of a maintenance; null if none. */
export function pendingTimer(snapshot: FailoverSnapshot): ModelEvent | null {
  const delay = pendingDelay(snapshot);
  const maintenanceEnd = nextMaintenanceEnd(snapshot.context.maintenance);
  if (maintenanceEnd !== null && (delay === null || maintenanceEnd < delay.at)) {
    return { type: 'MAINTENANCE_DUE', at: maintenanceEnd };
  }
  return delay;
}

/** The delay the machine waits on in `snapshot`, running out at the recovery deadline; null if none. */
export function pendingDelay(snapshot: FailoverSnapshot): DelayElapsed | null {
  const type = getNextTransitions(snapshot)
    .map((transition) => transition.eventType)
    .find(isAfterEventType);
  if (type === undefined) return null;
  const deadline = snapshot.context.recoveryDeadline;
  if (deadline === null) {
    throw new Error(`The machine waits on ${type} in ${JSON.stringify(snapshot.value)} with no recovery deadline.`);
  }
  return { type, at: deadline };
}

/** The engine in use in `snapshot`, or null while paused. */
export function activeEngineOf(snapshot: FailoverSnapshot): EngineId | null {
  return engineOfState(topStateOf(snapshot.value));
}

/**
 * What tells two model states apart: the state value, failure counts (capped at the threshold,
 * beyond which they behave alike), probe results, healthy streaks, the recovery timeout in force,
 * the pause reason, which engine a failback watches, the window counts, window trips and
 * maintenance. Absolute times are left out, so the graph stays finite.
 */
export function serializeModelState(snapshot: ModelSnapshot): string {
  const { context, value } = snapshot.machine;
  const threshold = context.settings.failureThreshold;
  return JSON.stringify([
    value,
    ENGINE_IDS.map((engine) => Math.min(context.failures[engine], threshold)),
    ENGINE_IDS.map((engine) => context.probeHealthy[engine]),
    ENGINE_IDS.map((engine) => context.healthyStreaks[engine]),
    context.recoveryTimeoutSeconds,
    context.pausedReason,
    context.failback?.engine ?? null,
    ENGINE_IDS.map((engine) => countsAt(context.windows[engine], snapshot.now, context.settings.failureRateWindowSeconds * 1000)),
    ENGINE_IDS.map((engine) => context.rateTrips[engine]),
    ENGINE_IDS.map((engine) => {
      const entry = context.maintenance[engine];
      return entry === null ? null : entry.until === null ? 'open' : 'until';
    }),
  ]);
}

/**
 * The failover machine as actor logic over model snapshots. `transition` steps the machine with
 * its own pure transition function and notes, through inspection, which transitions it took.
 */
export function createModelLogic(
  index: TransitionIndex,
  input: FailoverInput,
  onTaken: (keys: readonly TransitionKey[]) => void = () => {},
): ActorLogic<ModelSnapshot, ModelEvent, FailoverInput> {
  // An actor that is never started: it lends its system, whose inspection reports the microsteps
  // of the pure transitions run in its scope.
  const host = createActor(failoverMachine, { input });
  const scope: MachineScope = {
    self: host,
    id: 'model',
    sessionId: host.sessionId,
    logger: () => {},
    defer: () => {},
    emit: () => {},
    system: host.system,
    stopChild: () => {},
    actionExecutor: () => {},
  };
  const machine: TakesInternalEvents = failoverMachine;
  let microsteps: TransitionKey[][] = [];
  host.system.inspect((event) => {
    // XState also reports a microstep for an event that enabled no transition: not a step taken.
    if (event.type !== '@xstate.microstep' || event._transitions.length === 0) return;
    const keys = index.keysOf(event._transitions);
    microsteps.push(keys);
    onTaken(keys);
  });

  return {
    getInitialSnapshot: (_scope, initialInput) => ({
      status: 'active',
      output: undefined,
      error: undefined,
      machine: failoverMachine.getInitialSnapshot(scope, initialInput),
      now: MODEL_START,
      trail: [],
      taken: [],
    }),
    transition: (snapshot, event) => {
      microsteps = [];
      const next = machine.transition(snapshot.machine, event, scope);
      return {
        status: 'active',
        output: undefined,
        error: undefined,
        machine: next,
        now: event.at,
        trail: [...snapshot.trail, event],
        taken: microsteps,
      };
    },
    getPersistedSnapshot: (snapshot) => snapshot,
  };
}

/**
 * How many events deep the traversal goes. The deepest transition needs 6 (auto-resume's recovery:
 * trip, probe, trip, delay, probe, probe); one more leaves room for a slightly longer way in.
 * A transition found only deeper shows up as uncovered in the coverage test: raise it then.
 */
export const MAX_DEPTH = 7;

/** Explores the machine under `input` breadth-first and keeps the shortest case per transition. */
export function explore(input: ModelInput, index: TransitionIndex, maxDepth = Math.min(input.maxDepth ?? MAX_DEPTH, MAX_DEPTH)): Exploration {
  const covered = new Set<TransitionKey>();
  const logic = createModelLogic(index, input.input, (keys) => keys.forEach((key) => covered.add(key)));
  let edges = 0;
  const adjacency = getAdjacencyMap(logic, {
    input: input.input,
    serializeState: serializeModelState,
    // Once every transition is covered nothing shorter can turn up; until then, go no deeper than
    // `maxDepth` events, which keeps the graph small (the time-free serialization alone leaves
    // thousands of combinations of counts, probes and streaks).
    stopWhen: (snapshot) => covered.size === index.transitions.length || snapshot.trail.length >= maxDepth,
    events: (snapshot) => {
      const events = modelEvents(input, snapshot);
      edges += events.length;
      return events;
    },
  });
  const cases = new Map<TransitionKey, TransitionCase>();
  const steps = adjacencyMapToArray(adjacency).map(({ state: source, event, nextState: target }) => ({ source, event, target }));
  for (const { source, event, target } of steps) {
    for (const key of target.taken.flat()) {
      const known = cases.get(key);
      if (known !== undefined && known.trail.length <= source.trail.length) continue;
      cases.set(key, {
        key,
        input,
        trail: source.trail,
        source: source.machine,
        event,
        target: target.machine,
        taken: target.taken,
      });
    }
  }
  return { input, states: Object.keys(adjacency).length, edges, cases, steps };
}

/**
 * Explores every input and keeps, per transition key, the shortest case over all of them
 * (the earlier input on a tie).
 */
export function shortestCases(
  inputs: readonly ModelInput[],
  index: TransitionIndex,
): { explorations: Exploration[]; cases: Map<TransitionKey, TransitionCase> } {
  const explorations = inputs.map((input) => explore(input, index));
  const cases = new Map<TransitionKey, TransitionCase>();
  for (const exploration of explorations) {
    for (const [key, found] of exploration.cases) {
      const known = cases.get(key);
      if (known === undefined || found.trail.length < known.trail.length) cases.set(key, found);
    }
  }
  return { explorations, cases };
}
