/**
 * The three execution engines and the order in which the failover policy prefers them.
 * Pure data: no I/O, shared by the statechart, the service and the inspector.
 */

/** Engine ids in priority order: primary first. */
export const ENGINE_IDS = ['lean_self_hosted', 'quanttrader_pybroker', 'nautilus_trader'] as const;

/** The id of one execution engine, as named in the contract. */
export type EngineId = (typeof ENGINE_IDS)[number];

/** The primary engine: LEAN self-hosted. */
export const PRIMARY_ENGINE: EngineId = 'lean_self_hosted';

/** The statechart's top-level states. Exactly these four, as named in the contract. */
export const TOP_STATES = ['primaryActive', 'backup1Active', 'backup2Active', 'paused'] as const;

/** One of the statechart's top-level states. */
export type TopState = (typeof TOP_STATES)[number];

/**
 * The top-level state of a state value, such as `backup1Active` of `{ backup1Active: 'waiting' }`.
 * Takes `unknown` because persisted and inspected values arrive unchecked.
 * @throws when the value names no top-level state of the statechart.
 */
export function topStateOf(value: unknown): TopState {
  const key = typeof value === 'string' ? value : value !== null && typeof value === 'object' ? Object.keys(value)[0] : undefined;
  const top = TOP_STATES.find((state) => state === key);
  if (top === undefined) throw new Error(`Not a state of the failover statechart: ${JSON.stringify(value)}`);
  return top;
}

/** A top-level state in which one engine receives the signals. */
export type ActiveState = Exclude<TopState, 'paused'>;

const STATE_OF_ENGINE: Record<EngineId, ActiveState> = {
  lean_self_hosted: 'primaryActive',
  quanttrader_pybroker: 'backup1Active',
  nautilus_trader: 'backup2Active',
};

/** The top-level state in which `engine` is the active engine. */
export function stateOfEngine(engine: EngineId): ActiveState {
  return STATE_OF_ENGINE[engine];
}

/** The engine that receives signals in `state`, or null while paused. */
export function engineOfState(state: TopState): EngineId | null {
  return ENGINE_IDS.find((engine) => STATE_OF_ENGINE[engine] === state) ?? null;
}

/** Whether `value` is one of the three engine ids. */
export function isEngineId(value: unknown): value is EngineId {
  return (ENGINE_IDS as readonly unknown[]).includes(value);
}

/** 0 for the primary, 1 and 2 for the backups: lower is preferred. */
export function priorityOf(engine: EngineId): number {
  return ENGINE_IDS.indexOf(engine);
}

/** A record with one value per engine. */
export function perEngine<T>(value: (engine: EngineId) => T): Record<EngineId, T> {
  return {
    lean_self_hosted: value('lean_self_hosted'),
    quanttrader_pybroker: value('quanttrader_pybroker'),
    nautilus_trader: value('nautilus_trader'),
  };
}
