/**
 * The simulated signals of a scenario: one queue (the simulation trades one symbol, so its signals
 * keep one order), the actions and quantities the scenario's pattern gives them, and, with
 * position affinity, each engine's net position and the routing rule of the service
 * (machines/routing.ts), so a scenario can show an exit following its position across a failover.
 *
 * Pure: the simulation tells it the time, the active engine and which engines are available.
 */
import { perEngine, type EngineId } from '../../machines/engines.js';
import { positionChange, routeSignal, type Positions } from '../../machines/routing.js';

/** What a scenario's `signals` says about the signals it sends. */
export interface SignalPattern {
  /** Seconds between two signals; the first arrives at 0. */
  readonly every: number;
  /** The actions of signals 1, 2, 3, … in turn; null: every signal is a plain BUY of 1 with no position kept. */
  readonly actions: readonly string[] | null;
  /** The quantities of signals 1, 2, 3, … in turn. */
  readonly quantities: readonly number[];
  /** Whether exits go to the engine holding the position (EXECUTION_POSITION_AFFINITY). */
  readonly affinity: boolean;
  /** How long an exit waits for its engine before it is dead-lettered (EXECUTION_POSITION_WAIT). */
  readonly positionWaitSeconds: number;
}

/** One simulated signal. */
export interface SimulatedSignal {
  /** 1 for the first signal of the run. */
  readonly number: number;
  readonly action: string;
  readonly quantity: number;
}

/** What to do with the oldest waiting signal now. */
export type SignalDecision =
  | { readonly kind: 'none' }
  /** Nothing is active: it waits for a resume. */
  | { readonly kind: 'paused' }
  /** It reduces a position held on `engine`, unavailable now: it waits for that engine. */
  | { readonly kind: 'waitForPosition'; readonly engine: EngineId }
  /** Send it to `engine`; `affinity` when that is not the active engine. */
  | { readonly kind: 'send'; readonly signal: SimulatedSignal; readonly engine: EngineId; readonly affinity: boolean }
  /** It waited for `engine` as long as it may: dead-lettered `position_engine_unavailable`. */
  | { readonly kind: 'giveUp'; readonly signal: SimulatedSignal; readonly engine: EngineId };

const MS_PER_SECOND = 1000;

export class SignalFlow {
  private readonly waiting: SimulatedSignal[] = [];
  private readonly ledger: Record<EngineId, number> = perEngine(() => 0);
  private arrived = 0;
  /** When the oldest waiting signal began to wait for its position's engine, or null. */
  private positionWaitSinceMs: number | null = null;
  private gaveUp = 0;

  constructor(private readonly pattern: SignalPattern) {}

  /** The next signal of the pattern arrives and joins the end of the queue. */
  arrive(): void {
    const index = this.arrived;
    this.arrived += 1;
    const { actions, quantities } = this.pattern;
    const action = actions === null ? 'BUY' : (actions[index % actions.length] ?? 'BUY');
    const quantity = quantities[index % quantities.length] ?? 1;
    this.waiting.push({ number: this.arrived, action, quantity });
  }

  /** Signals waiting now. */
  get waitingCount(): number {
    return this.waiting.length;
  }

  /** Signals dead-lettered `position_engine_unavailable` so far. */
  get positionUnavailable(): number {
    return this.gaveUp;
  }

  /** Each engine's net position; all 0 without a pattern of actions. */
  get positions(): Positions {
    return { ...this.ledger };
  }

  /** When the oldest signal gives up waiting for its position's engine (ms), or null. */
  get giveUpAtMs(): number | null {
    return this.positionWaitSinceMs === null ? null : this.positionWaitSinceMs + Math.round(this.pattern.positionWaitSeconds * MS_PER_SECOND);
  }

  /**
   * The decision for the oldest waiting signal at `atMs`. A `send` or `giveUp` takes it off the
   * queue; the caller then reports a send's result with {@link executed}.
   */
  decide(atMs: number, active: EngineId | null, available: (engine: EngineId) => boolean): SignalDecision {
    const signal = this.waiting[0];
    if (signal === undefined) return { kind: 'none' };
    // While paused nothing is consumed, exits included.
    if (active === null) return { kind: 'paused' };
    const positions = this.pattern.affinity && this.pattern.actions !== null ? this.ledger : perEngine(() => 0);
    const route = routeSignal(signal, positions, active, available);
    if (route.kind === 'paused') return { kind: 'paused' };
    if (route.kind === 'wait') {
      this.positionWaitSinceMs ??= atMs;
      const giveUpAt = this.giveUpAtMs;
      if (giveUpAt === null || atMs < giveUpAt) return { kind: 'waitForPosition', engine: route.engine };
      this.take();
      this.gaveUp += 1;
      return { kind: 'giveUp', signal, engine: route.engine };
    }
    this.take();
    return { kind: 'send', signal, engine: route.engine, affinity: route.affinity };
  }

  /** `signal` was executed on `engine`: its position moves (with a pattern of actions). */
  executed(signal: SimulatedSignal, engine: EngineId): void {
    if (this.pattern.actions === null) return;
    this.ledger[engine] += positionChange(signal.action, signal.quantity, undefined);
  }

  private take(): void {
    this.waiting.shift();
    this.positionWaitSinceMs = null;
  }
}
