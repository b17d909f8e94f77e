/**
 * Every transition definition of the failover statechart, each under a stable, readable key.
 *
 * A key names the source state node, the event (or `always`, or `after(<delay>)`), the index of the
 * candidate within that source's array for the event, and the guard with its parameters, e.g.
 * `failover.backup1Active.checking HEALTH_CHECKED #0 [recovers(active=quanttrader_pybroker, engine=lean_self_hosted)]`.
 * Each guarded candidate is a transition of its own, because each is a separate rule of the policy.
 */
import type { AnyStateNode, AnyTransitionDefinition } from 'xstate';
import { failoverMachine } from '../../machines/executionFailover.js';

/** A readable, stable name for one transition definition. */
export type TransitionKey = string;

/** One transition definition of the machine, with what its key is made of. */
export interface MachineTransition {
  readonly key: TransitionKey;
  /** The id of the state node that declares it, e.g. `failover.backup1Active.waiting`. */
  readonly source: string;
  /** The event type as XState names it: `''` for `always`, `xstate.after.<delay>.<node id>` for `after`. */
  readonly eventType: string;
  /** Position among the candidates that `source` declares for `eventType`. */
  readonly index: number;
  /** The ids of the target state nodes; empty for a targetless transition. */
  readonly targets: readonly string[];
  readonly definition: AnyTransitionDefinition;
}

const AFTER_PREFIX = 'xstate.after.';

/** Whether an XState event type is the internal event of a delayed (`after`) transition. */
export function isAfterEventType(eventType: string): eventType is `xstate.after.${string}` {
  return eventType.startsWith(AFTER_PREFIX);
}

/**
 * All transition definitions of `root` and its descendants, in document order.
 * `after` transitions are also listed in `transitions` under their internal event type; they are
 * taken from there once, and the walk fails loudly if XState ever stops doing so, rather than
 * silently dropping them from the coverage.
 */
export function enumerateTransitions(root: AnyStateNode = failoverMachine.root): MachineTransition[] {
  const found: MachineTransition[] = [];
  const visit = (node: AnyStateNode): void => {
    for (const [eventType, candidates] of node.transitions) {
      candidates.forEach((definition, index) => found.push(describe(node, eventType, index, definition)));
    }
    (node.always ?? []).forEach((definition, index) => found.push(describe(node, '', index, definition)));
    for (const delayed of node.after) {
      if (!found.some((transition) => transition.definition === delayed)) {
        throw new Error(
          `The delayed transition ${delayed.eventType} of ${node.id} is not among the node's transitions: ` +
            'the enumeration would miss it, so it refuses to go on.',
        );
      }
    }
    for (const child of Object.values(node.states)) visit(child);
  };
  visit(root);
  const keys = new Set<TransitionKey>();
  for (const { key } of found) {
    if (keys.has(key)) throw new Error(`Two transitions share the key "${key}"; keys must tell them apart.`);
    keys.add(key);
  }
  return found;
}

function describe(node: AnyStateNode, eventType: string, index: number, definition: AnyTransitionDefinition): MachineTransition {
  const event = eventType === '' ? 'always' : isAfterEventType(eventType) ? `after(${delayName(node, eventType)})` : eventType;
  return {
    key: `${node.id} ${event} #${index} [${guardLabel(definition.guard)}]`,
    source: node.id,
    eventType,
    index,
    targets: (definition.target ?? []).map((target) => target.id),
    definition,
  };
}

function delayName(node: AnyStateNode, eventType: string): string {
  const delayed = node.after.find((definition) => definition.eventType === eventType);
  if (delayed === undefined) return eventType;
  return typeof delayed.delay === 'function' ? 'inline delay' : String(delayed.delay);
}

/** `tripsTo(active=lean_self_hosted, next=null)`; `unguarded` when there is no guard. */
function guardLabel(guard: unknown): string {
  if (guard === undefined) return 'unguarded';
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'function') return `inline guard ${guard.name || 'anonymous'}`;
  if (typeof guard === 'object' && guard !== null && 'type' in guard && typeof guard.type === 'string') {
    const params = 'params' in guard && typeof guard.params === 'object' && guard.params !== null ? guard.params : {};
    const args = Object.entries(params).map(([name, value]) => `${name}=${String(value)}`);
    return args.length === 0 ? guard.type : `${guard.type}(${args.join(', ')})`;
  }
  return JSON.stringify(guard);
}

/** Looks up the key of a transition definition the machine took, as reported by inspection. */
export class TransitionIndex {
  private readonly byDefinition = new Map<AnyTransitionDefinition, TransitionKey>();

  constructor(readonly transitions: readonly MachineTransition[] = enumerateTransitions()) {
    for (const transition of transitions) this.byDefinition.set(transition.definition, transition.key);
  }

  /** The key of `definition`; throws for a definition the enumeration did not find. */
  keyOf(definition: AnyTransitionDefinition): TransitionKey {
    const known = this.byDefinition.get(definition);
    if (known !== undefined) return known;
    // A definition object XState rebuilt: match it by source, event type and position instead.
    const candidates = definition.eventType === '' ? (definition.source.always ?? []) : (definition.source.transitions.get(definition.eventType) ?? []);
    const index = candidates.indexOf(definition);
    const match = this.transitions.find(
      (transition) => transition.source === definition.source.id && transition.eventType === definition.eventType && transition.index === index,
    );
    if (match === undefined) {
      throw new Error(`The machine took a transition of ${definition.source.id} on "${definition.eventType}" that the enumeration does not know.`);
    }
    return match.key;
  }

  /** The keys of the transitions one microstep took, as an `@xstate.microstep` inspection event lists them. */
  keysOf(definitions: readonly AnyTransitionDefinition[]): TransitionKey[] {
    return definitions.map((definition) => this.keyOf(definition));
  }
}
