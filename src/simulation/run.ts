/**
 * Runs a scenario against the real failover statechart on a simulated clock.
 *
 * Pure: no I/O, no real timers, no Node built-ins, so the inspector page runs the same code.
 *
 * The simulated world:
 * - Time 0 is epoch 0; every event sent to the machine carries `at` = the simulated epoch ms.
 * - Engines start `up` and change as the scenario's events say (simulatedEngines.ts).
 * - Probe rounds run on an interval or when the machine asks (probeRounds.ts).
 * - A signal arrives every `signals.every` seconds from 0; one signal is one attempt on the engine
 *   the policy and the routing rule pick, and waits while paused (signalDelivery.ts).
 * - Each new snapshot of the machine becomes timeline entries (snapshotEntries.ts).
 *
 * Order within one instant, so that runs are deterministic:
 *   1. machine timers due then (the recovery deadline), fired by the clock;
 *   2. scenario events, in the file's order (engine changes, operator actions);
 *   3. one probe round, if one is due or was asked for (never two at one instant);
 *   4. signals: the waiting ones first, then the one arriving now;
 *   5. expectations at this time, checked once nothing else is left at this instant.
 * The machine's effects never send an event from inside an action: a probe it asks for is put on
 * the agenda of the current instant and runs in step 3 (or in a second pass of the same instant
 * when step 3 is already over).
 */
import { createActor, type Actor } from 'xstate';
import { topStateOf, type TopState } from '../../machines/engines.js';
import { failoverMachine, type FailoverEvent, type FailoverSnapshot, type PolicyAlertKind, type ProbeResults } from '../../machines/executionFailover.js';
import { TrackingClock, toMs, toSeconds } from './clock.js';
import { ExpectationChecks } from './expectationChecks.js';
import type { ExpectationResult, SignalTally, SimulationResult, TimelineEntry } from './entries.js';
import type { Scenario } from './scenario.js';
import { ScenarioEvents, engineEntry, operatorEvent } from './scenarioEvents.js';
import { ProbeRounds } from './probeRounds.js';
import { SignalDelivery } from './signalDelivery.js';
import { SimulatedEngines } from './simulatedEngines.js';
import { failuresOf, snapshotEntries } from './snapshotEntries.js';

/** The machine failed while simulating: a defect of the machine, not of the scenario. */
export class SimulationError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SimulationError';
  }
}

/**
 * A scenario being simulated, one instant at a time. The CLI runs it to the end; a page can step
 * through it. Each step returns the timeline entries it produced.
 */
export class Simulation {
  /** The scenario being simulated. */
  readonly scenario: Scenario;

  private readonly clock = new TrackingClock();
  private readonly actor: Actor<typeof failoverMachine>;
  private readonly untilMs: number;
  private readonly probes: ProbeRounds;
  private readonly events: ScenarioEvents;
  private readonly expectationChecks: ExpectationChecks;
  private readonly engines = new SimulatedEngines();
  private readonly signals: SignalDelivery;

  private readonly timelineEntries: TimelineEntry[] = [];

  private previous: FailoverSnapshot;
  private alertsRaised: PolicyAlertKind[] = [];
  private lastProbe: ProbeResults = {};
  private machineFailure: { readonly error: unknown } | null = null;
  private finished = false;

  /** Starts the machine at time 0 with the scenario's settings; nothing else happens yet. */
  constructor(scenario: Scenario) {
    this.scenario = scenario;
    this.untilMs = toMs(scenario.until);
    this.probes = new ProbeRounds(scenario.settings.healthCheckIntervalSeconds);
    this.events = new ScenarioEvents(scenario.events);
    this.expectationChecks = new ExpectationChecks(scenario.expect);
    this.signals = new SignalDelivery(scenario.signals, this.engines, {
      snapshot: () => this.actor.getSnapshot(),
      send: (event) => this.send(event),
      record: (entry) => this.timelineEntries.push(entry),
    });

    const machine = failoverMachine.provide({
      actions: {
        alert: (_args, params) => {
          this.alertsRaised.push(params.kind);
        },
        // Never sends from inside the action: the round joins the agenda of the current instant.
        requestHealthCheck: () => {
          this.probes.request(this.clock.now());
        },
      },
    });
    this.actor = createActor(machine, { clock: this.clock, input: { settings: scenario.settings } });
    this.previous = this.actor.getSnapshot();
    this.actor.subscribe({
      next: (snapshot) => this.observe(snapshot),
      error: (error) => {
        this.machineFailure = { error };
      },
    });
    this.actor.start();
    this.throwIfMachineFailed();
    const start = this.actor.getSnapshot();
    this.timelineEntries.push({
      kind: 'start',
      at: 0,
      state: topStateOf(start.value),
      failures: failuresOf(start),
      recoveryTimeoutSeconds: start.context.recoveryTimeoutSeconds,
    });
  }

  /** The simulated time, in seconds. */
  get now(): number {
    return toSeconds(this.clock.now());
  }

  /** The current top-level state. */
  get state(): TopState {
    return topStateOf(this.actor.getSnapshot().value);
  }

  /** The machine's current snapshot, for a view that shows more than the top-level state. */
  get snapshot(): FailoverSnapshot {
    return this.actor.getSnapshot();
  }

  /** Whether the run has reached `until`. */
  get done(): boolean {
    return this.finished;
  }

  /** Every entry so far, the start entry first. */
  get timeline(): readonly TimelineEntry[] {
    return this.timelineEntries;
  }

  /** The expectations checked so far, in time order. */
  get expectations(): readonly ExpectationResult[] {
    return this.expectationChecks.results;
  }

  /** The time (seconds) of the next instant at which something happens, or null when done. */
  get nextAt(): number | null {
    const next = this.nextInstantMs();
    return next === null ? null : toSeconds(next);
  }

  /**
   * Simulates the next instant at which something happens and returns its timeline entries.
   * An instant may take two steps when the machine asks for a probe after its probe round.
   * Returns nothing once done. Throws {@link SimulationError} when the machine fails.
   */
  step(): TimelineEntry[] {
    const at = this.nextInstantMs();
    if (at === null) return [];
    const firstEntry = this.timelineEntries.length;
    this.clock.set(at);
    this.throwIfMachineFailed();
    this.applyScenarioEvents(at);
    this.runProbeRoundIfDue(at);
    this.signals.deliver(at);
    if (!this.hasWorkAt(at)) {
      this.expectationChecks.check(at, this.state);
      if (at === this.untilMs) this.finish();
    }
    return this.timelineEntries.slice(firstEntry);
  }

  /**
   * Simulates every instant up to `seconds` (at most `until`) and moves the clock there; returns
   * the entries produced on the way.
   */
  advanceTo(seconds: number): TimelineEntry[] {
    const targetMs = Math.min(toMs(seconds), this.untilMs);
    const entries: TimelineEntry[] = [];
    for (let next = this.nextInstantMs(); next !== null && next <= targetMs; next = this.nextInstantMs()) {
      entries.push(...this.step());
    }
    if (!this.finished && targetMs > this.clock.now()) {
      this.clock.set(targetMs);
      this.throwIfMachineFailed();
    }
    return entries;
  }

  /** Simulates to `until` and returns the whole run. */
  runToEnd(): SimulationResult {
    while (!this.finished) this.step();
    return {
      scenario: this.scenario,
      timeline: this.timelineEntries,
      expectations: this.expectationChecks.results,
      finalState: this.state,
    };
  }

  /** Signals so far, per engine, and how many wait. */
  get signalTally(): SignalTally {
    return this.signals.tally;
  }

  private nextInstantMs(): number | null {
    if (this.finished) return null;
    const candidates = [this.nextWorkMs(), this.expectationChecks.nextAtMs, this.untilMs];
    return Math.min(...candidates.filter((time): time is number => time !== null));
  }

  /** The earliest time of anything but an expectation, or null when nothing is pending. */
  private nextWorkMs(): number | null {
    const candidates = [this.events.nextAtMs, this.signals.nextArrivalMs, this.signals.giveUpAtMs, ...this.probes.dueTimes, this.clock.nextDue()].filter(
      (time): time is number => time !== null && time <= this.untilMs,
    );
    return candidates.length === 0 ? null : Math.min(...candidates);
  }

  private hasWorkAt(at: number): boolean {
    const next = this.nextWorkMs();
    return next !== null && next <= at;
  }

  private applyScenarioEvents(at: number): void {
    for (const event of this.events.takeDue(at)) {
      if ('becomes' in event) {
        this.engines.change(event);
        this.timelineEntries.push(engineEntry(event, at));
        continue;
      }
      const machineEvent = operatorEvent(event, at);
      this.timelineEntries.push({
        kind: 'operator',
        at: toSeconds(at),
        action: event,
        accepted: this.actor.getSnapshot().can(machineEvent),
      });
      this.send(machineEvent);
    }
  }

  private runProbeRoundIfDue(at: number): void {
    if (!this.probes.takeIfDue(at)) return;
    const results = this.engines.probe();
    this.lastProbe = results;
    this.send({ type: 'HEALTH_CHECKED', results, at });
  }

  private finish(): void {
    const snapshot = this.actor.getSnapshot();
    this.timelineEntries.push({
      kind: 'end',
      at: toSeconds(this.untilMs),
      state: topStateOf(snapshot.value),
      failures: failuresOf(snapshot),
      signals: this.signalTally,
    });
    this.finished = true;
    this.actor.stop();
  }

  private send(event: FailoverEvent): void {
    this.actor.send(event);
    this.throwIfMachineFailed();
  }

  private throwIfMachineFailed(): void {
    if (this.machineFailure === null) return;
    this.finished = true;
    const { error } = this.machineFailure;
    const detail = error instanceof Error ? error.message : String(error);
    throw new SimulationError(`the failover machine failed at ${this.now} s: ${detail}`, { cause: error });
  }

  /** Turns each new snapshot into timeline entries by comparing it with the one before. */
  private observe(snapshot: FailoverSnapshot): void {
    const previous = this.previous;
    if (snapshot === previous) return;
    this.previous = snapshot;
    const alerts = this.alertsRaised;
    this.alertsRaised = [];
    this.timelineEntries.push(...snapshotEntries(previous, snapshot, { at: toSeconds(this.clock.now()), alerts, lastProbe: this.lastProbe }));
  }
}

/** Runs a scenario from start to `until`. Throws {@link SimulationError} when the machine fails. */
export function runScenario(scenario: Scenario): SimulationResult {
  return new Simulation(scenario).runToEnd();
}
