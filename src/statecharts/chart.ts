/**
 * A plain, serialisable model of a statechart, read from an XState machine: states by dotted
 * path, transitions with their trigger, guard (by name, with params), targets and actions (by
 * name, with params). Every renderer of `statecharts/` works from this model, so they agree.
 */
import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { toJsonValue, type JsonValue } from './jsonValue.js';

/** A named guard or action with its params, as written in the machine. */
export interface NamedRef {
  readonly type: string;
  /** Absent when the machine gives none. Params computed at run time read `"(computed)"`. */
  readonly params?: JsonValue;
}

/** What fires a transition: an event, a named (or fixed) delay, or nothing (eventless). */
export type Trigger =
  | { readonly kind: 'event'; readonly event: string }
  | { readonly kind: 'after'; readonly delay: string }
  | { readonly kind: 'always' };

/** One transition of the chart. Paths are dotted, relative to the root (`backup1Active.waiting`). */
export interface ChartTransition {
  /** The path of the state that declares the transition; `''` for the root. */
  readonly source: string;
  readonly trigger: Trigger;
  readonly guard: NamedRef | null;
  /** Empty for a transition that only runs actions and stays where it is. */
  readonly targets: readonly string[];
  readonly reenter: boolean;
  readonly actions: readonly NamedRef[];
}

/** XState's kinds of state node. */
export type ChartStateType = 'atomic' | 'compound' | 'parallel' | 'final' | 'history';

/** One state node of the chart. */
export interface ChartState {
  /** Dotted path from the root; `''` for the root itself. */
  readonly path: string;
  readonly key: string;
  readonly type: ChartStateType;
  readonly description: string | null;
  /** The path of the initial child, or null for a state without one. */
  readonly initial: string | null;
  readonly entry: readonly NamedRef[];
  readonly exit: readonly NamedRef[];
  readonly transitions: readonly ChartTransition[];
  /** In definition order. */
  readonly children: readonly ChartState[];
}

/** A whole statechart: the machine's id and its root state. */
export interface Chart {
  readonly id: string;
  readonly root: ChartState;
}

/** Reads the chart of `machine`. Deterministic: the order is the machine's definition order. */
export function chartOf(machine: AnyStateMachine): Chart {
  return { id: machine.id, root: stateOf(machine.root) };
}

/** Every state below the root, parents before children, in definition order. */
export function statesBelowRoot(chart: Chart): ChartState[] {
  const found: ChartState[] = [];
  const visit = (state: ChartState): void => {
    for (const child of state.children) {
      found.push(child);
      visit(child);
    }
  };
  visit(chart.root);
  return found;
}

/** Every transition of the chart, the root's first, then state by state as `statesBelowRoot`. */
export function allTransitions(chart: Chart): ChartTransition[] {
  return [chart.root, ...statesBelowRoot(chart)].flatMap((state) => [...state.transitions]);
}

/** The transitions that lead somewhere: the ones a diagram draws as edges. */
export function targetedTransitions(chart: Chart): ChartTransition[] {
  return allTransitions(chart).filter((transition) => transition.targets.length > 0);
}

/** The transitions that only run actions and stay in the same state. */
export function actionOnlyTransitions(chart: Chart): ChartTransition[] {
  return allTransitions(chart).filter((transition) => transition.targets.length === 0);
}

/** The dotted path of a state node relative to the root. */
export function pathOf(node: AnyStateNode): string {
  return node.path.join('.');
}

/** Whether `descendant` lies strictly inside `ancestor`. */
export function isStrictDescendant(descendant: string, ancestor: string): boolean {
  if (descendant === ancestor) return false;
  return ancestor === '' || descendant.startsWith(`${ancestor}.`);
}

function stateOf(node: AnyStateNode): ChartState {
  // `node.transitions` holds the delayed transitions too, under generated event names.
  const delays = new Map<unknown, DelayOf>(node.after.map((delayed) => [delayed, delayed.delay]));
  const transitions: ChartTransition[] = [];
  for (const [eventType, definitions] of node.transitions) {
    for (const definition of definitions) {
      const trigger: Trigger = delays.has(definition)
        ? { kind: 'after', delay: delayName(delays.get(definition)) }
        : { kind: 'event', event: eventType };
      transitions.push(transitionOf(node, definition, trigger));
    }
  }
  for (const definition of node.always ?? []) {
    transitions.push(transitionOf(node, definition, { kind: 'always' }));
  }
  return {
    path: pathOf(node),
    key: node.key,
    type: node.type,
    description: node.description ?? null,
    initial: node.initial.target.length > 0 ? pathOf(node.initial.target[0]) : null,
    entry: stateActions(node, node.entry),
    exit: stateActions(node, node.exit),
    transitions,
    children: Object.values(node.states).map(stateOf),
  };
}

type TransitionDefinitionOf = AnyStateNode['always'] extends readonly (infer T)[] | undefined ? T : never;
type ActionOf = TransitionDefinitionOf['actions'][number];
type DelayOf = AnyStateNode['after'][number]['delay'];

function transitionOf(node: AnyStateNode, definition: TransitionDefinitionOf, trigger: Trigger): ChartTransition {
  return {
    source: pathOf(node),
    trigger,
    guard: definition.guard === undefined ? null : guardRef(definition.guard),
    targets: (definition.target ?? []).map(pathOf),
    reenter: definition.reenter,
    actions: definition.actions.map(actionRef),
  };
}

function delayName(delay: DelayOf | undefined): string {
  if (typeof delay === 'string') return delay;
  if (typeof delay === 'number') return `${delay}ms`;
  return '(computed)';
}

/**
 * XState implements `after` as a delayed `xstate.raise` on entry and an `xstate.cancel` on exit;
 * the state's `after` transitions already say so, and the built-ins would only be noise.
 */
function stateActions(node: AnyStateNode, actions: readonly ActionOf[]): NamedRef[] {
  const refs = actions.map(actionRef);
  if (node.after.length === 0) return refs;
  return refs.filter((ref) => ref.type !== 'xstate.raise' && ref.type !== 'xstate.cancel');
}

function actionRef(action: ActionOf): NamedRef {
  return namedRef(action, 'inline action');
}

function guardRef(guard: NonNullable<TransitionDefinitionOf['guard']>): NamedRef {
  return namedRef(guard, 'inline guard');
}

/** Strings, `{ type, params }` objects and functions (built-ins carry a `type`) alike. */
function namedRef(value: unknown, inlineName: string): NamedRef {
  if (typeof value === 'string') return { type: value };
  if (typeof value === 'function') {
    const builtIn: unknown = Reflect.get(value, 'type');
    return { type: typeof builtIn === 'string' ? builtIn : value.name || inlineName };
  }
  if (typeof value === 'object' && value !== null) {
    const type: unknown = Reflect.get(value, 'type');
    const params: unknown = Reflect.get(value, 'params');
    const name = typeof type === 'string' ? type : inlineName;
    return params === undefined ? { type: name } : { type: name, params: toJsonValue(params) };
  }
  return { type: inlineName };
}

/**
 * The transitions a diagram draws as edges. A transition with a target declared on the root would
 * leave from every state at once, which no edge can show: such a machine is refused, loudly,
 * rather than drawn wrong.
 */
export function drawnTransitions(chart: Chart): ChartTransition[] {
  const transitions = targetedTransitions(chart);
  const fromRoot = transitions.find((transition) => transition.source === '');
  if (fromRoot !== undefined) {
    throw new Error(
      `The machine's root declares a transition to ${fromRoot.targets.join(', ')}; the statechart renderers cannot draw a transition that leaves from every state. Declare it on the top-level states instead, or teach src/statecharts/ to draw it.`,
    );
  }
  return transitions;
}
