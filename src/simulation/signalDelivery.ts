/**
 * The signals of a run on the simulated clock. One arrives every `signals.every` seconds from 0 and
 * is executed on the active engine (`EXECUTION_SUCCEEDED` / `EXECUTION_FAILED` for it). One signal
 * is one attempt: the policy sees one success or failure per signal. While paused, signals wait;
 * they go, oldest first, to the engine that becomes active when the policy leaves `paused`. With
 * `signals.actions` they open and close a position, and with `EXECUTION_POSITION_AFFINITY` an exit
 * goes to the engine holding it, or waits for it (signalFlow.ts).
 */
import { engineOfState, topStateOf, type EngineId } from '../../machines/engines.js';
import type { FailoverEvent, FailoverSnapshot } from '../../machines/executionFailover.js';
import { isCandidate } from '../../machines/policy.js';
import { toMs, toSeconds } from './clock.js';
import type { SignalTally, TimelineEntry } from './entries.js';
import { SignalFlow, type SignalPattern, type SimulatedSignal } from './signalFlow.js';
import type { SimulatedEngines } from './simulatedEngines.js';

/** What delivering signals needs of the running simulation. */
export interface DeliveryPort {
  readonly snapshot: () => FailoverSnapshot;
  readonly send: (event: FailoverEvent) => void;
  readonly record: (entry: TimelineEntry) => void;
}

export class SignalDelivery {
  private readonly flow: SignalFlow;
  private readonly everyMs: number;
  private nextNumber = 0;
  /** Whether the oldest signal's wait for its position's engine is on the timeline already. */
  private positionWaitShown = false;
  /** Whether the waiting signals wait because the policy is paused. */
  private heldByPause = false;

  constructor(
    pattern: SignalPattern,
    private readonly engines: SimulatedEngines,
    private readonly port: DeliveryPort,
  ) {
    this.flow = new SignalFlow(pattern);
    this.everyMs = Math.max(1, toMs(pattern.every));
  }

  /** When the next signal arrives (clock milliseconds). */
  get nextArrivalMs(): number {
    return this.nextNumber * this.everyMs;
  }

  /** When the oldest waiting exit gives up on its engine (clock milliseconds), or null. */
  get giveUpAtMs(): number | null {
    return this.flow.giveUpAtMs;
  }

  /** Signals so far, per engine, and how many wait. */
  get tally(): SignalTally {
    return {
      executed: this.engines.executed,
      failed: this.engines.failed,
      waiting: this.flow.waitingCount,
      positionUnavailable: this.flow.positionUnavailable,
      positions: this.flow.positions,
    };
  }

  /** The signal arriving at `at`, if one does, joins the waiting ones; then as many go as can. */
  deliver(at: number): void {
    const held = this.flow.waitingCount;
    if (this.nextArrivalMs === at) {
      this.nextNumber += 1;
      this.flow.arrive();
    }
    // The backlog entry is for signals a pause held; an exit's wait for its engine has its own.
    let backlogShown = held === 0 || !this.heldByPause;
    for (;;) {
      const snapshot = this.port.snapshot();
      const active = engineOfState(topStateOf(snapshot.value));
      const decision = this.flow.decide(at, active, (engine) => isCandidate(snapshot.context, engine));
      if (decision.kind === 'none') return;
      if (decision.kind === 'paused') {
        this.heldByPause = true;
        return;
      }
      if (decision.kind === 'waitForPosition') {
        if (!this.positionWaitShown) this.port.record({ kind: 'positionWait', at: toSeconds(at), engine: decision.engine });
        this.positionWaitShown = true;
        return;
      }
      this.positionWaitShown = false;
      const { signal, engine } = decision;
      if (decision.kind === 'giveUp') {
        this.port.record({ kind: 'positionUnavailable', at: toSeconds(at), engine, action: signal.action, quantity: signal.quantity });
        continue;
      }
      if (!backlogShown) this.port.record({ kind: 'backlog', at: toSeconds(at), count: held, engine });
      backlogShown = true;
      this.heldByPause = false;
      if (decision.affinity) this.port.record({ kind: 'affinity', at: toSeconds(at), engine, action: signal.action, quantity: signal.quantity });
      this.execute(engine, at, signal);
    }
  }

  private execute(engine: EngineId, at: number, signal: SimulatedSignal): void {
    const { succeeded, durationMs } = this.engines.call(engine);
    const timing = durationMs === undefined ? {} : { durationMs };
    if (succeeded) {
      this.flow.executed(signal, engine);
      this.port.send({ type: 'EXECUTION_SUCCEEDED', engine, at, ...timing });
    } else {
      this.port.send({ type: 'EXECUTION_FAILED', engine, at, ...timing });
    }
  }
}
