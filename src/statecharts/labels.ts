/** Short, one-line texts for triggers, guards, actions and transitions, shared by every renderer. */
import type { ChartTransition, NamedRef, Trigger } from './chart.js';
import { isJsonObject, type JsonObject, type JsonValue } from './jsonValue.js';
import { GUARD_LEGEND } from './legend.js';

/** `EXECUTION_FAILED`, `after recoveryDelay`, or `always` for an eventless transition. */
export function triggerLabel(trigger: Trigger): string {
  switch (trigger.kind) {
    case 'event':
      return trigger.event;
    case 'after':
      return `after ${trigger.delay}`;
    case 'always':
      return 'always';
  }
}

/**
 * A guard with its params, short: `tripsTo lean_self_hosted→quanttrader_pybroker`. Guards without
 * a legend entry show every param as `key=value`.
 */
export function guardLabel(guard: NamedRef): string {
  const params = paramsOf(guard.params);
  const legend = GUARD_LEGEND[guard.type];
  if (legend === undefined) {
    const shown = Object.entries(params).map(([key, value]) => `${key}=${formatParam(value)}`);
    return [guard.type, ...shown].join(' ');
  }
  const named = legend.params.map((key) => formatParam(params[key] ?? null));
  const extra = Object.entries(params)
    .filter(([key]) => !legend.params.includes(key))
    .map(([key, value]) => `${key}=${formatParam(value)}`);
  const main = named.length === 0 ? guard.type : `${guard.type} ${named.join(legend.arrow ? '→' : ' ')}`;
  return [main, ...extra].join(' ');
}

/** An action with its params: `recordTransition(from=primaryActive, to=paused, reason=operator)`. */
export function actionLabel(action: NamedRef): string {
  const params = Object.entries(paramsOf(action.params));
  if (params.length === 0) return action.type;
  return `${action.type}(${params.map(([key, value]) => `${key}=${formatParam(value)}`).join(', ')})`;
}

/** The trigger, the guard in brackets, and `(reenter)` when the state is left and entered again. */
export function transitionLabel(transition: ChartTransition): string {
  const guard = transition.guard === null ? '' : ` [${guardLabel(transition.guard)}]`;
  const reenter = transition.reenter ? ' (reenter)' : '';
  return `${triggerLabel(transition.trigger)}${guard}${reenter}`;
}

/**
 * The label of an edge of the SVG drawing: `EXECUTION_FAILED [tripsTo]`, `after recoveryDelay`,
 * `always [autoResumeApplies]`. The guard goes by name only: the failover guards' params name the
 * engines at the two ends of the edge, which the drawing already shows, and the short label keeps
 * the drawing readable. The full label (`transitionLabel`) is the edge's tooltip.
 */
export function edgeLabel(transition: ChartTransition): string {
  const guard = transition.guard === null ? '' : ` [${transition.guard.type}]`;
  const reenter = transition.reenter ? ' (reenter)' : '';
  return `${triggerLabel(transition.trigger)}${guard}${reenter}`;
}

/** A param value as it reads in a label: null is `none`, strings are bare. */
export function formatParam(value: JsonValue): string {
  if (value === null) return 'none';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

function paramsOf(params: JsonValue | undefined): JsonObject {
  return isJsonObject(params) ? params : {};
}
