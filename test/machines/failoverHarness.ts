/**
 * A real actor of the failover machine on a simulated clock, with its effects (`alert`,
 * `requestHealthCheck`) recorded instead of performed: for tests of what the spec table of
 * test/model does not judge, the effects and the restore, and of exact time boundaries.
 */
import { createActor, type Actor } from 'xstate';
import type { EngineId } from '../../machines/engines.js';
import { failoverMachine, type FailoverEvent, type FailoverSnapshot, type PolicyAlertKind, type ProbeResults } from '../../machines/executionFailover.js';
import { DEFAULT_POLICY_SETTINGS, type FailoverContext, type PolicySettings } from '../../machines/policy.js';
import { TestClock } from '../support/testClock.js';

/** Small numbers, so stories stay short: two failures trip, two healthy probes recover. */
export const SETTINGS: PolicySettings = {
  ...DEFAULT_POLICY_SETTINGS,
  failureThreshold: 2,
  recoveryTimeoutSeconds: 300,
  recoveryTimeoutMaxSeconds: 1200,
  failoverEnabled: true,
  recoverySuccesses: 2,
  healthCheckIntervalSeconds: 10,
  autoResume: false,
};

/** Where every harness clock starts, epoch ms: a fixed instant, so stories are reproducible. */
export const START = Date.UTC(2025, 0, 6, 9, 0, 0);

/** A policy event without its time: the harness stamps it with the clock's. */
export type UntimedEvent = Untimed<FailoverEvent>;
type Untimed<Event> = Event extends FailoverEvent ? Omit<Event, 'at'> : never;

/** What a persisted policy keeps, as the service stores it: the state value and the context. */
export interface StoredPolicy {
  readonly value: FailoverSnapshot['value'];
  readonly context: FailoverContext;
}

export class FailoverHarness {
  readonly clock: TestClock;
  /** The kinds of every alert raised, in order. */
  readonly alerts: PolicyAlertKind[] = [];
  /** How many times the machine asked for a probe round now. */
  healthChecks = 0;
  readonly actor: Actor<typeof failoverMachine>;

  constructor(settings: PolicySettings = SETTINGS, options: { start?: number; restoreFrom?: StoredPolicy } = {}) {
    this.clock = new TestClock(options.start ?? START);
    const machine = failoverMachine.provide({
      actions: {
        alert: (_args, params) => {
          this.alerts.push(params.kind);
        },
        requestHealthCheck: () => {
          this.healthChecks += 1;
        },
      },
    });
    const restored = options.restoreFrom ? { snapshot: machine.resolveState({ value: options.restoreFrom.value, context: options.restoreFrom.context }) } : {};
    this.actor = createActor(machine, { input: { settings }, clock: this.clock, ...restored });
    this.actor.start();
  }

  snapshot(): FailoverSnapshot {
    return this.actor.getSnapshot();
  }

  context(): FailoverContext {
    return this.snapshot().context;
  }

  /** The seconds between arming the pending recovery deadline and the deadline. */
  armedTimeoutSeconds(): number {
    const { recoveryDeadline, recoveryArmedAt } = this.context();
    if (recoveryDeadline === null || recoveryArmedAt === null) throw new Error('No recovery deadline is armed.');
    return (recoveryDeadline - recoveryArmedAt) / 1000;
  }

  /** What the service would persist now. */
  stored(): StoredPolicy {
    const { value, context } = this.snapshot();
    return { value, context };
  }

  /** Sends `event` stamped with the clock's time, `afterMs` from now (the clock moves there first). */
  send(event: UntimedEvent, afterMs = 1000): FailoverSnapshot {
    this.clock.set(this.clock.now() + afterMs);
    this.actor.send({ ...event, at: this.clock.now() });
    return this.snapshot();
  }

  /** `engine` fails until it trips: as many failures as the threshold, a second apart. */
  trip(engine: EngineId): FailoverSnapshot {
    for (let n = 0; n < this.context().settings.failureThreshold; n += 1) this.send({ type: 'EXECUTION_FAILED', engine });
    return this.snapshot();
  }

  /** The clock moves to the pending recovery deadline, where the machine's own timer fires. */
  reachDeadline(): FailoverSnapshot {
    const { recoveryDeadline } = this.context();
    if (recoveryDeadline === null) throw new Error(`No recovery deadline in ${JSON.stringify(this.snapshot().value)}.`);
    this.clock.set(recoveryDeadline);
    return this.snapshot();
  }

  /** Probe rounds with `results`, one interval apart, as many as recovery takes. */
  probeUntilRecovered(results: ProbeResults): FailoverSnapshot {
    const { recoverySuccesses, healthCheckIntervalSeconds } = this.context().settings;
    for (let n = 0; n < recoverySuccesses; n += 1) {
      this.send({ type: 'HEALTH_CHECKED', results }, healthCheckIntervalSeconds * 1000);
    }
    return this.snapshot();
  }

  /** Forgets the alerts and probe requests recorded so far. */
  clearEffects(): void {
    this.alerts.length = 0;
    this.healthChecks = 0;
  }

  stop(): void {
    this.actor.stop();
  }
}
