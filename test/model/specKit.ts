/**
 * The building blocks of the spec table: what a transition spec is, the keys of the machine's
 * transitions, and rules set off by one event type.
 */
import type { FailoverEvent } from '../../machines/executionFailover.js';
import { isEventOfType, type ModelEvent } from './modelEvents.js';
import { PRIORITY, STATE_OF_ENGINE, type PolicyState } from './policyOracle.js';
import type { TransitionKey } from './transitions.js';

/** What sets a transition off: a policy event, a delay running out, or nothing (`always`). */
export type Trigger = FailoverEvent['type'] | 'delay' | 'eventless';

/** The rules of one family of transitions. */
export interface TransitionSpec {
  readonly family: string;
  /** The rule in words, as the contract states it. */
  readonly rule: string;
  readonly trigger: Trigger;
  /** The machine's transitions that implement the rule. */
  readonly keys: readonly TransitionKey[];
  /** Whether the rule must fire in `state` on `event` (for eventless rules: right after `event`). */
  applies(state: PolicyState, event: ModelEvent): boolean;
  /** The state the rule leads to. Only meaningful where `applies` holds. */
  next(state: PolicyState, event: ModelEvent): PolicyState;
}

export type EventOf<T extends FailoverEvent['type']> = Extract<FailoverEvent, { type: T }>;

/** A rule set off by the policy event `type`; `applies` and `next` see that event, typed. */
export function onEvent<T extends FailoverEvent['type']>(
  type: T,
  family: string,
  rule: string,
  keys: readonly TransitionKey[],
  applies: (state: PolicyState, event: EventOf<T>) => boolean,
  next: (state: PolicyState, event: EventOf<T>) => PolicyState,
): TransitionSpec {
  const typed = (event: ModelEvent): EventOf<T> => {
    if (!isEventOfType(event, type)) throw new Error(`The "${family}" rule is for ${type}, not ${event.type}.`);
    return event;
  };
  return {
    family,
    rule,
    trigger: type,
    keys,
    applies: (state, event) => isEventOfType(event, type) && applies(state, event),
    next: (state, event) => next(state, typed(event)),
  };
}

/** The top-level states in which an engine is in use, in priority order. */
export const ACTIVE_STATES = PRIORITY.map((engine) => STATE_OF_ENGINE[engine]);

/** The state nodes holding a recovery region. */
export const RECOVERY_REGIONS = ['failover.backup1Active', 'failover.backup2Active', 'failover.paused.autoResuming'];

/** The key of a transition, as `transitions.ts` names it. */
export function key(source: string, event: string, index: number, guard = 'unguarded'): TransitionKey {
  return `${source} ${event} #${index} [${guard}]`;
}
