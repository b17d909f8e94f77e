/**
 * Position affinity in the execution path (contract section 13): the engine one signal goes to,
 * by the pure rule of `machines/routing.ts` over the ledger, and the position change its execution
 * records. Without affinity, every signal goes to the active engine and nothing is recorded.
 */
import { perEngine, type EngineId } from '../../machines/engines.js';
import { positionChange, routeSignal } from '../../machines/routing.js';
import { sleep } from '../clock.js';
import type { PositionChange } from '../signals/outcome.js';
import type { PositionLedger } from '../signals/positions.js';
import type { Signal } from '../signals/signal.js';
import { retryDelayMs } from './backoff.js';
import type { ExecutionContext } from './context.js';

/** The engine chosen for a signal, and whether affinity (not the policy's turn) chose it. */
export type EngineChoice = { readonly engine: EngineId; readonly affinity: boolean } | 'closing' | 'gave_up';

/** When a signal started waiting for the engine that holds its position, across its attempts. */
export interface AffinityWait {
  since: number | null;
}

function strategyOf(signal: Signal): string {
  return typeof signal.strategy_id === 'string' ? signal.strategy_id : '';
}

/**
 * The engine for the next attempt of `signal`: the active one (waiting while paused), or, with
 * affinity, the one holding the position it reduces, waiting for it while it is unavailable, for
 * at most `EXECUTION_POSITION_WAIT` in all ('gave_up' then).
 */
export function chooseEngine(context: ExecutionContext, signal: Signal, wait: AffinityWait): EngineChoice | Promise<EngineChoice> {
  if (context.positions !== null) return chooseByPosition(context, context.positions, signal, wait);
  // The common case, answered without a promise: every attempt of every signal asks.
  const engine = context.policy.activeEngine();
  return engine !== null ? ACTIVE_CHOICES[engine] : whenActive(context);
}

/** The choice of the active engine, one per engine, shared. */
const ACTIVE_CHOICES: Readonly<Record<EngineId, EngineChoice>> = perEngine((engine) => Object.freeze({ engine, affinity: false }));

/** The active engine once the policy names one again; 'closing' if closed first. */
async function whenActive(context: ExecutionContext): Promise<EngineChoice> {
  const engine = await context.activeEngine();
  return engine === null ? 'closing' : ACTIVE_CHOICES[engine];
}

async function chooseByPosition(context: ExecutionContext, positions: PositionLedger, signal: Signal, wait: AffinityWait): Promise<EngineChoice> {
  const { clock, log } = context;
  for (let failures = 0; !context.stop.aborted;) {
    let held;
    try {
      held = await positions.of(strategyOf(signal), signal.symbol);
    } catch (error) {
      failures++;
      log.error({ err: error, signal_id: signal.signal_id }, 'could not read the position ledger; retrying');
      await sleep(clock, retryDelayMs(failures, 100, 5000), context.stop);
      continue;
    }
    const route = routeSignal(signal, held, context.policy.activeEngine(), (engine) => context.engineAvailable(engine));
    if (route.kind === 'engine') return route;
    if (route.kind === 'paused') {
      if ((await context.activeEngine()) === null) return 'closing';
      continue;
    }
    wait.since ??= clock.now();
    const left = wait.since + context.limits.positionWaitMs - clock.now();
    if (left <= 0) return 'gave_up';
    log.info({ signal_id: signal.signal_id, engine: route.engine }, 'waiting for the engine that holds the position this signal reduces');
    await sleep(clock, Math.min(left, context.limits.inDoubtPollMs), context.stop);
  }
  return 'closing';
}

// Shared: every executed signal asks, and without affinity none has a change.
const NO_CHANGE: { readonly positionChange?: PositionChange } = Object.freeze({});

/** What executing `signal` on `engine` does to the ledger, when affinity keeps one. */
export function positionChangeFor(context: ExecutionContext, signal: Signal, engine: EngineId, report: unknown): { positionChange?: PositionChange } {
  if (context.positions === null) return NO_CHANGE;
  const amount = positionChange(signal.action, typeof signal.quantity === 'number' ? signal.quantity : undefined, report);
  return amount === 0 ? NO_CHANGE : { positionChange: { engine, strategyId: strategyOf(signal), symbol: signal.symbol, amount } };
}
