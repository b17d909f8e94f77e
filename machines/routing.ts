/**
 * Position affinity (contract section 13): which engine one signal goes to when the engines trade
 * on different broker accounts. A signal that reduces a position goes to the engine holding it,
 * whichever engine is active, or waits for it; every other signal goes to the active engine.
 *
 * Pure: the ledger, the policy's choice and the availability come in; an answer goes out.
 */
import { ENGINE_IDS, type EngineId } from './engines.js';

/** The accepted `action` values of a signal, after upper-casing (contract section 3). */
export const SIGNAL_ACTIONS = ['BUY', 'SELL', 'BUY_TO_OPEN', 'SELL_TO_OPEN', 'BUY_TO_CLOSE', 'SELL_TO_CLOSE'] as const;

/** One of {@link SIGNAL_ACTIONS}. */
export type SignalAction = (typeof SIGNAL_ACTIONS)[number];

/** An engine's net position in one strategy and symbol: positive long, negative short. */
export type Positions = Readonly<Record<EngineId, number>>;

/** What the rule needs of a signal. */
export interface RoutedSignal {
  /** Upper case, as parsed: BUY, SELL, BUY_TO_OPEN, SELL_TO_OPEN, BUY_TO_CLOSE, SELL_TO_CLOSE. */
  readonly action: string;
}

/** Where a signal goes. */
export type Route =
  /** To this engine now; `affinity` when it is not simply the active engine's turn. */
  | { readonly kind: 'engine'; readonly engine: EngineId; readonly affinity: boolean }
  /** It reduces a position held on `engine`, which is not available now: it waits for it. */
  | { readonly kind: 'wait'; readonly engine: EngineId }
  /** Nothing is active (paused) and it is not bound to a position: it waits for a resume. */
  | { readonly kind: 'paused' };

/** Below this a position counts as flat: sums of decimal quantities leave dust behind. */
export const FLAT = 1e-9;

/** +1 for the actions that buy, -1 for those that sell. */
export function direction(action: string): 1 | -1 {
  return action.startsWith('BUY') ? 1 : -1;
}

/**
 * The engine whose position `signal` reduces, or null when it opens or adds: a *_TO_CLOSE goes to
 * whichever engine holds a position in its pair (the contract's words), a SELL to a long, a BUY to
 * a short. Of several, the largest; of equal ones, the higher-priority engine.
 */
export function positionHolder(signal: RoutedSignal, positions: Positions): EngineId | null {
  const closing = signal.action === 'BUY_TO_CLOSE' || signal.action === 'SELL_TO_CLOSE';
  if (!closing && signal.action !== 'BUY' && signal.action !== 'SELL') return null;
  // A sell reduces a long (> 0), a buy a short (< 0): the position must point the other way.
  const against = -direction(signal.action);
  // Stryker disable next-line ArithmeticOperator: `against` is 1 or -1, so dividing by it is multiplying.
  const holders = ENGINE_IDS.filter((engine) => (closing ? Math.abs(positions[engine]) : positions[engine] * against) > FLAT);
  // The holders come in priority order and the sort is stable, so of equal positions the higher
  // priority stays first. No holder: the sort of nothing has no first element, hence null.
  return [...holders].sort((a, b) => Math.abs(positions[b]) - Math.abs(positions[a]))[0] ?? null;
}

/**
 * The route of `signal`. `active` is the policy's engine (null while paused); `available(engine)`
 * says whether an engine may take orders now (not tripped, not in maintenance, its last probe did
 * not fail).
 */
export function routeSignal(signal: RoutedSignal, positions: Positions, active: EngineId | null, available: (engine: EngineId) => boolean): Route {
  const holder = positionHolder(signal, positions);
  if (holder !== null) return available(holder) ? { kind: 'engine', engine: holder, affinity: holder !== active } : { kind: 'wait', engine: holder };
  return active === null ? { kind: 'paused' } : { kind: 'engine', engine: active, affinity: false };
}

/** The amount an executed signal moves its engine's position by: the fill, else the signal's quantity. */
export function positionChange(action: string, quantity: number | undefined, report: unknown): number {
  const filled = typeof report === 'object' && report !== null && 'filled_quantity' in report ? report.filled_quantity : undefined;
  // Stryker disable next-line ConditionalExpression: `typeof filled === 'number'` is for the type; isFinite of a non-number is false too.
  const amount = typeof filled === 'number' && Number.isFinite(filled) ? filled : quantity;
  // Stryker disable next-line ConditionalExpression: `amount === undefined` is for the type; isFinite(undefined) is false too.
  return amount === undefined || !Number.isFinite(amount) ? 0 : direction(action) * Math.abs(amount);
}
