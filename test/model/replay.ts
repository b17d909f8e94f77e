/**
 * Replays model events on a real actor of the failover machine, on a simulated clock, and reports
 * the transitions each event took, from XState's microstep inspection.
 *
 * Policy events are sent with the clock set to their `at`. A delay running out (or the maintenance
 * end the machine raises to itself) is not sent: the clock is moved to one millisecond before it,
 * where nothing may happen, then to the moment itself, where the actor's own timer must fire.
 */
import { createActor, type Actor } from 'xstate';
import { failoverMachine, type FailoverInput, type FailoverSnapshot } from '../../machines/executionFailover.js';
import { TestClock } from '../support/testClock.js';
import { MODEL_START, describeEvent, isTimerEvent, type ModelEvent } from './modelEvents.js';
import type { TransitionIndex, TransitionKey } from './transitions.js';

/** One microstep of an event: the transitions taken and the snapshot right after them. */
export interface Microstep {
  readonly keys: readonly TransitionKey[];
  /** As inspection reports it: not typed by XState, so compare it structurally. */
  readonly snapshot: unknown;
}

/** What one replayed event did. */
export interface ReplayedEvent {
  readonly before: FailoverSnapshot;
  readonly after: FailoverSnapshot;
  readonly microsteps: readonly Microstep[];
}

/** A started actor of the failover machine on a simulated clock that starts at `MODEL_START`. */
export class MachineReplay {
  readonly clock = new TestClock(MODEL_START);
  readonly actor: Actor<typeof failoverMachine>;
  private microsteps: Microstep[] = [];

  constructor(
    input: FailoverInput,
    private readonly index: TransitionIndex,
  ) {
    this.actor = createActor(failoverMachine, {
      input,
      clock: this.clock,
      inspect: (event) => {
        // XState also reports a microstep for an event that enabled no transition: not a step taken.
        if (event.type !== '@xstate.microstep' || event._transitions.length === 0) return;
        this.microsteps.push({ keys: this.index.keysOf(event._transitions), snapshot: event.snapshot });
      },
    });
    this.actor.start();
  }

  /** The actor's current snapshot. */
  snapshot(): FailoverSnapshot {
    return this.actor.getSnapshot();
  }

  /** Replays `event` and reports the microsteps it caused; throws when the clock misbehaves. */
  step(event: ModelEvent): ReplayedEvent {
    const before = this.snapshot();
    if (isTimerEvent(event)) {
      this.advanceQuietly(event.at - 1, event);
      this.microsteps = [];
      this.clock.set(event.at);
      if (this.microsteps.length === 0) {
        throw new Error(`The timer did not fire when the clock reached ${describeEvent(event)}.`);
      }
    } else {
      this.advanceQuietly(event.at, event);
      this.microsteps = [];
      this.actor.send(event);
    }
    return { before, after: this.snapshot(), microsteps: this.microsteps };
  }

  /** Moves the clock to `time`, failing if a timer fires on the way: the model did not expect one. */
  advanceQuietly(time: number, next: ModelEvent): void {
    if (time < this.clock.now()) {
      throw new Error(`${describeEvent(next)} is earlier than the clock (start+${(this.clock.now() - MODEL_START) / 1000}s).`);
    }
    this.microsteps = [];
    this.clock.set(time);
    if (this.microsteps.length > 0) {
      throw new Error(`A timer fired before ${describeEvent(next)}, taking ${this.microsteps.map((step) => step.keys.join(', ')).join('; ')}.`);
    }
  }

  /** Stops the actor. */
  stop(): void {
    this.actor.stop();
  }
}
