/** The machine definition as stable, pretty JSON: `statecharts/failover.json`. */
import type { AnyStateMachine } from 'xstate';
import { chartOf, type ChartState, type ChartTransition, type NamedRef } from './chart.js';
import { prettyJson, type JsonObject, type JsonValue } from './jsonValue.js';
import { GENERATED_NOTICE } from './notice.js';

/**
 * The definition of `machine` as JSON text (two-space indent, trailing newline): states by key,
 * transitions grouped by event (`on`), by delay name (`after`) and eventless (`always`), targets
 * as dotted paths from the root, guards and actions by name with their params. No functions, and
 * the same machine always gives the same text.
 */
export function definitionJson(machine: AnyStateMachine): string {
  const chart = chartOf(machine);
  const document: JsonObject = {
    $comment: GENERATED_NOTICE,
    id: chart.id,
    ...stateBody(chart.root),
  };
  return `${prettyJson(document)}\n`;
}

function stateBody(state: ChartState): JsonObject {
  const body: Record<string, JsonValue> = {};
  if (state.path !== '') body.type = state.type;
  if (state.description !== null) body.description = state.description;
  if (state.initial !== null) body.initial = state.initial;
  if (state.entry.length > 0) body.entry = state.entry.map(refJson);
  if (state.exit.length > 0) body.exit = state.exit.map(refJson);
  const on = groupBy(state.transitions, (transition) =>
    transition.trigger.kind === 'event' ? transition.trigger.event : null,
  );
  if (Object.keys(on).length > 0) body.on = on;
  const after = groupBy(state.transitions, (transition) =>
    transition.trigger.kind === 'after' ? transition.trigger.delay : null,
  );
  if (Object.keys(after).length > 0) body.after = after;
  const always = state.transitions.filter((transition) => transition.trigger.kind === 'always');
  if (always.length > 0) body.always = always.map(transitionJson);
  if (state.children.length > 0) {
    body.states = Object.fromEntries(state.children.map((child) => [child.key, stateBody(child)]));
  }
  return body;
}

function groupBy(
  transitions: readonly ChartTransition[],
  keyOf: (transition: ChartTransition) => string | null,
): Record<string, JsonValue[]> {
  const groups: Record<string, JsonValue[]> = {};
  for (const transition of transitions) {
    const key = keyOf(transition);
    if (key === null) continue;
    (groups[key] ??= []).push(transitionJson(transition));
  }
  return groups;
}

function transitionJson(transition: ChartTransition): JsonObject {
  const body: Record<string, JsonValue> = {};
  if (transition.targets.length > 0) body.target = [...transition.targets];
  if (transition.guard !== null) body.guard = refJson(transition.guard);
  if (transition.actions.length > 0) body.actions = transition.actions.map(refJson);
  if (transition.reenter) body.reenter = true;
  return body;
}

function refJson(ref: NamedRef): JsonObject {
  return ref.params === undefined ? { type: ref.type } : { type: ref.type, params: ref.params };
}
