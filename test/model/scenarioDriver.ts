/**
 * Drives a real actor of the failover machine through a scripted story, on a simulated clock,
 * judging every event against the spec table. For stories longer than the graph traversal goes
 * (ping-pong needs a dozen events before its timeout decays).
 */
import type { EngineId } from '../../machines/engines.js';
import type { FailoverInput, FailoverSnapshot, ProbeResults } from '../../machines/executionFailover.js';
import { judgeStep } from './judgeStep.js';
import { describeEvent, type ModelEvent } from './modelEvents.js';
import { MachineReplay } from './replay.js';
import { pendingDelay } from './traversal.js';
import type { TransitionIndex } from './transitions.js';

/** One event of a story that went against the spec table. */
export class NonconformingStep extends Error {}

/** A story being told to the machine; each method sends one event and returns the snapshot after it. */
export class ScenarioDriver {
  private readonly replay: MachineReplay;
  /** Every event sent so far, for failure messages. */
  readonly told: ModelEvent[] = [];

  constructor(input: FailoverInput, index: TransitionIndex) {
    this.replay = new MachineReplay(input, index);
  }

  /** The machine's snapshot now. */
  snapshot(): FailoverSnapshot {
    return this.replay.snapshot();
  }

  /** The simulated time now, epoch ms. */
  now(): number {
    return this.replay.clock.now();
  }

  /** An execution on `engine` fails `seconds` from now. */
  fail(engine: EngineId, seconds = 1): FailoverSnapshot {
    return this.tell({ type: 'EXECUTION_FAILED', engine, at: this.now() + seconds * 1000 });
  }

  /** A probe round with `results`, `seconds` from now. */
  probe(results: ProbeResults, seconds = 10): FailoverSnapshot {
    return this.tell({ type: 'HEALTH_CHECKED', results, at: this.now() + seconds * 1000 });
  }

  /** An operator switches to `engine`, `seconds` from now. */
  switchTo(engine: EngineId, seconds = 1): FailoverSnapshot {
    return this.tell({ type: 'SWITCH', engine, at: this.now() + seconds * 1000 });
  }

  /** Time passes until the pending recovery timer fires. */
  elapse(): FailoverSnapshot {
    const pending = pendingDelay(this.snapshot());
    if (pending === null) throw new Error(`No timer is pending in ${JSON.stringify(this.snapshot().value)}.\n${this.story()}`);
    return this.tell(pending);
  }

  /** Sends `event` and judges it; throws `NonconformingStep` naming what went against the spec. */
  tell(event: ModelEvent): FailoverSnapshot {
    this.told.push(event);
    const fired = this.replay.step(event);
    const { problems } = judgeStep(
      { value: fired.before.value, context: fired.before.context },
      event,
      fired.microsteps.map((microstep) => microstep.keys),
      { value: fired.after.value, context: fired.after.context },
    );
    if (problems.length > 0) throw new NonconformingStep(`${problems.join('\n')}\n${this.story()}`);
    return fired.after;
  }

  /** The events told so far, numbered. */
  story(): string {
    return this.told.map((event, n) => `  ${n + 1}. ${describeEvent(event)}`).join('\n');
  }

  /** Stops the actor. */
  stop(): void {
    this.replay.stop();
  }
}
