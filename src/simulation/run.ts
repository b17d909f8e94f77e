/**
 * Runs a scenario against the real failover statechart on a simulated clock.
 *
 * Pure: no I/O, no real timers, no Node built-ins, so the inspector page runs the same code.
 *
 * The simulated world:
 * - Time 0 is epoch 0; every event sent to the machine carries `at` = the simulated epoch ms.
 * - Engines start `up`. A `down` engine fails every execution and every probe; an `up` one
 *   succeeds.
 * - Probe rounds report all three engines (`HEALTH_CHECKED`). They run every
 *   `EXECUTION_HEALTH_CHECK_INTERVAL` seconds from 0, and immediately when the machine asks for
 *   one (`requestHealthCheck`, when a recovery check starts). A round restarts the interval, so
 *   consecutive rounds are never closer than the interval unless the machine asks.
 * - A signal arrives every `signals.every` seconds from 0 and is executed on the active engine
 *   (`EXECUTION_SUCCEEDED` / `EXECUTION_FAILED` for it). One signal is one attempt: the policy
 *   sees one success or failure per signal. While paused, signals wait; they go, oldest first, to
 *   the engine that becomes active when the policy leaves `paused`. With `signals.actions` they
 *   open and close a position, and with `EXECUTION_POSITION_AFFINITY` an exit goes to the engine
 *   holding it, or waits for it (signalFlow.ts).
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
import { engineOfState, perEngine, topStateOf, type EngineId, type TopState } from '../../machines/engines.js';
import { failoverMachine, type FailoverEvent, type FailoverSnapshot, type PolicyAlertKind, type ProbeResults } from '../../machines/executionFailover.js';
import { isCandidate, recoveryCandidates, type TransitionRecord } from '../../machines/policy.js';
import { TrackingClock } from './clock.js';
import type { EngineCounts, ExpectationResult, SignalTally, SimulationResult, TimelineEntry, TransitionEntry } from './entries.js';
import type { OperatorAction, Scenario, ScenarioEvent } from './scenario.js';
import { SignalFlow, type SimulatedSignal } from './signalFlow.js';

/** The machine failed while simulating: a defect of the machine, not of the scenario. */
export class SimulationError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SimulationError';
  }
}

const MS_PER_SECOND = 1000;

function toMs(seconds: number): number {
  return Math.round(seconds * MS_PER_SECOND);
}

function toSeconds(ms: number): number {
  return ms / MS_PER_SECOND;
}

function isCheckingForRecovery(snapshot: FailoverSnapshot): boolean {
  return (
    snapshot.matches({ backup1Active: 'checking' }) ||
    snapshot.matches({ backup2Active: 'checking' }) ||
    snapshot.matches({ paused: { autoResuming: 'checking' } })
  );
}

function deadlineSeconds(snapshot: FailoverSnapshot): number | null {
  const deadline = snapshot.context.recoveryDeadline;
  return deadline === null ? null : toSeconds(deadline);
}

function failuresOf(snapshot: FailoverSnapshot): EngineCounts {
  return { ...snapshot.context.failures };
}

/** The transitions recorded between two snapshots, oldest first. */
function newTransitions(previous: FailoverSnapshot, snapshot: FailoverSnapshot): readonly TransitionRecord[] {
  if (snapshot.context.lastTransition === previous.context.lastTransition) return [];
  const known = new Set(previous.context.history);
  return snapshot.context.history.filter((record) => !known.has(record));
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
  private readonly signalEveryMs: number;
  private readonly probeIntervalMs: number;
  private readonly events: readonly { readonly event: ScenarioEvent; readonly atMs: number }[];
  private readonly expectationTimes: readonly number[];

  private readonly timelineEntries: TimelineEntry[] = [];
  private readonly expectationResults: ExpectationResult[] = [];
  private readonly engineUp: Record<EngineId, boolean> = perEngine(() => true);
  /** A flaky engine fails every other call; a slow one answers after its latency. Both pass probes. */
  private readonly engineFlaky: Record<EngineId, boolean> = perEngine(() => false);
  private readonly flakyCalls: Record<EngineId, number> = perEngine(() => 0);
  private readonly engineLatencyMs: Record<EngineId, number | undefined> = perEngine(() => undefined);
  private readonly executed: Record<EngineId, number> = perEngine(() => 0);
  private readonly failed: Record<EngineId, number> = perEngine(() => 0);

  private previous: FailoverSnapshot;
  private alertsRaised: PolicyAlertKind[] = [];
  private lastProbe: ProbeResults = {};
  private nextEventIndex = 0;
  private nextExpectationIndex = 0;
  private nextSignalNumber = 0;
  private readonly flow: SignalFlow;
  /** Whether the oldest signal's wait for its position's engine is on the timeline already. */
  private positionWaitShown = false;
  /** Whether the waiting signals wait because the policy is paused. */
  private heldByPause = false;
  private nextProbeMs = 0;
  private probeRequestedAtMs: number | null = null;
  private machineFailure: { readonly error: unknown } | null = null;
  private finished = false;

  /** Starts the machine at time 0 with the scenario's settings; nothing else happens yet. */
  constructor(scenario: Scenario) {
    this.scenario = scenario;
    this.untilMs = toMs(scenario.until);
    this.signalEveryMs = Math.max(1, toMs(scenario.signals.every));
    this.flow = new SignalFlow(scenario.signals);
    this.probeIntervalMs = Math.max(1, toMs(scenario.settings.healthCheckIntervalSeconds));
    this.events = scenario.events.map((event) => ({ event, atMs: toMs(event.at) }));
    this.expectationTimes = scenario.expect.map((expectation) => toMs(expectation.at));

    const machine = failoverMachine.provide({
      actions: {
        alert: (_args, params) => {
          this.alertsRaised.push(params.kind);
        },
        // Never sends from inside the action: the round joins the agenda of the current instant.
        requestHealthCheck: () => {
          this.probeRequestedAtMs = this.clock.now();
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
    return this.expectationResults;
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
    this.handleSignals(at);
    if (!this.hasWorkAt(at)) {
      this.checkExpectations(at);
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
      expectations: this.expectationResults,
      finalState: this.state,
    };
  }

  /** Signals so far, per engine, and how many wait. */
  get signalTally(): SignalTally {
    return {
      executed: { ...this.executed },
      failed: { ...this.failed },
      waiting: this.flow.waitingCount,
      positionUnavailable: this.flow.positionUnavailable,
      positions: this.flow.positions,
    };
  }

  private nextInstantMs(): number | null {
    if (this.finished) return null;
    const candidates = [this.nextWorkMs(), this.expectationTimes[this.nextExpectationIndex] ?? null, this.untilMs];
    return Math.min(...candidates.filter((time): time is number => time !== null));
  }

  /** The earliest time of anything but an expectation, or null when nothing is pending. */
  private nextWorkMs(): number | null {
    const candidates = [
      this.events[this.nextEventIndex]?.atMs ?? null,
      this.nextSignalMs(),
      this.flow.giveUpAtMs,
      this.nextProbeMs,
      this.probeRequestedAtMs,
      this.clock.nextDue(),
    ].filter((time): time is number => time !== null && time <= this.untilMs);
    return candidates.length === 0 ? null : Math.min(...candidates);
  }

  private hasWorkAt(at: number): boolean {
    const next = this.nextWorkMs();
    return next !== null && next <= at;
  }

  private nextSignalMs(): number {
    return this.nextSignalNumber * this.signalEveryMs;
  }

  private applyScenarioEvents(at: number): void {
    while (this.events[this.nextEventIndex]?.atMs === at) {
      const event = this.events[this.nextEventIndex]?.event;
      this.nextEventIndex += 1;
      if (event === undefined) break;
      if ('becomes' in event) {
        this.engineUp[event.engine] = event.becomes !== 'down';
        this.engineFlaky[event.engine] = event.becomes === 'flaky';
        this.flakyCalls[event.engine] = 0;
        this.engineLatencyMs[event.engine] = event.becomes === 'slow' ? event.latency_ms : undefined;
        this.timelineEntries.push({
          kind: 'engine',
          at: toSeconds(at),
          engine: event.engine,
          becomes: event.becomes,
          ...(event.latency_ms === undefined ? {} : { latencyMs: event.latency_ms }),
        });
        continue;
      }
      const machineEvent = this.operatorEvent(event, at);
      this.timelineEntries.push({
        kind: 'operator',
        at: toSeconds(at),
        action: event,
        accepted: this.actor.getSnapshot().can(machineEvent),
      });
      this.send(machineEvent);
    }
  }

  private operatorEvent(action: OperatorAction, at: number): FailoverEvent {
    switch (action.operator) {
      case 'pause':
        return { type: 'PAUSE', reason: action.reason, at };
      case 'resume':
        return { type: 'RESUME', at };
      case 'switch':
        return { type: 'SWITCH', engine: action.engine, at };
      case 'maintenance':
        // `until` is scenario time, as every time in the file.
        return {
          type: 'MAINTENANCE_STARTED',
          engine: action.engine,
          reason: action.reason,
          until: action.until === undefined ? null : action.until * 1000,
          at,
        };
      case 'maintenance_end':
        return { type: 'MAINTENANCE_ENDED', engine: action.engine, at };
    }
  }

  private runProbeRoundIfDue(at: number): void {
    if (this.nextProbeMs !== at && this.probeRequestedAtMs !== at) return;
    this.probeRequestedAtMs = null;
    this.nextProbeMs = at + this.probeIntervalMs;
    const results: ProbeResults = perEngine((engine) => this.engineUp[engine]);
    this.lastProbe = results;
    this.send({ type: 'HEALTH_CHECKED', results, at });
  }

  private handleSignals(at: number): void {
    const held = this.flow.waitingCount;
    if (this.nextSignalMs() === at) {
      this.nextSignalNumber += 1;
      this.flow.arrive();
    }
    // The backlog entry is for signals a pause held; an exit's wait for its engine has its own.
    let backlogShown = held === 0 || !this.heldByPause;
    for (;;) {
      const { context } = this.actor.getSnapshot();
      const decision = this.flow.decide(at, engineOfState(this.state), (engine) => isCandidate(context, engine));
      if (decision.kind === 'none') return;
      if (decision.kind === 'paused') {
        this.heldByPause = true;
        return;
      }
      if (decision.kind === 'waitForPosition') {
        if (!this.positionWaitShown) this.timelineEntries.push({ kind: 'positionWait', at: toSeconds(at), engine: decision.engine });
        this.positionWaitShown = true;
        return;
      }
      this.positionWaitShown = false;
      const { signal, engine } = decision;
      if (decision.kind === 'giveUp') {
        this.timelineEntries.push({ kind: 'positionUnavailable', at: toSeconds(at), engine, action: signal.action, quantity: signal.quantity });
        continue;
      }
      if (!backlogShown) this.timelineEntries.push({ kind: 'backlog', at: toSeconds(at), count: held, engine });
      backlogShown = true;
      this.heldByPause = false;
      if (decision.affinity) this.timelineEntries.push({ kind: 'affinity', at: toSeconds(at), engine, action: signal.action, quantity: signal.quantity });
      this.execute(engine, at, signal);
    }
  }

  private execute(engine: EngineId, at: number, signal: SimulatedSignal): void {
    // Flaky: the first call after the change succeeds, the next fails, and so on.
    const flakyFails = this.engineFlaky[engine] && this.flakyCalls[engine]++ % 2 === 1;
    const durationMs = this.engineLatencyMs[engine];
    const timing = durationMs === undefined ? {} : { durationMs };
    if (this.engineUp[engine] && !flakyFails) {
      this.executed[engine] += 1;
      this.flow.executed(signal, engine);
      this.send({ type: 'EXECUTION_SUCCEEDED', engine, at, ...timing });
    } else {
      this.failed[engine] += 1;
      this.send({ type: 'EXECUTION_FAILED', engine, at, ...timing });
    }
  }

  private checkExpectations(at: number): void {
    const state = this.state;
    while (this.expectationTimes[this.nextExpectationIndex] === at) {
      const expectation = this.scenario.expect[this.nextExpectationIndex];
      this.nextExpectationIndex += 1;
      if (expectation === undefined) break;
      this.expectationResults.push({
        at: expectation.at,
        expected: expectation.state,
        actual: state,
        met: expectation.state === state,
      });
    }
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
    const at = toSeconds(this.clock.now());
    const alerts = this.alertsRaised;
    this.alertsRaised = [];
    const timeoutBefore = previous.context.recoveryTimeoutSeconds;
    const timeoutAfter = snapshot.context.recoveryTimeoutSeconds;

    const transitions = newTransitions(previous, snapshot);
    transitions.forEach((record, index) => {
      const entry: TransitionEntry = {
        kind: 'transition',
        at,
        from: record.from,
        to: record.to,
        reason: record.reason,
        failures: failuresOf(snapshot),
        // A macrostep's alerts belong to its last transition: the one the policy ends up in.
        alerts: index === transitions.length - 1 ? alerts : [],
        recoveryTimeoutSeconds: timeoutAfter,
        previousRecoveryTimeoutSeconds: timeoutBefore,
        nextRecoveryCheckAt: deadlineSeconds(snapshot),
        pausedReason: snapshot.context.pausedReason,
      };
      this.timelineEntries.push(entry);
    });
    if (transitions.length > 0) return;

    const state = topStateOf(snapshot.value);
    const wasChecking = isCheckingForRecovery(previous);
    const checking = isCheckingForRecovery(snapshot);
    if (!wasChecking && checking) {
      this.timelineEntries.push({
        kind: 'recoveryCheck',
        outcome: 'started',
        at,
        state,
        candidates: recoveryCandidates(snapshot.context, engineOfState(state)),
      });
    } else if (wasChecking && !checking && topStateOf(previous.value) === state) {
      this.timelineEntries.push({
        kind: 'recoveryCheck',
        outcome: 'failed',
        at,
        state,
        probe: this.lastProbe,
        recoveryTimeoutSeconds: timeoutAfter,
        previousRecoveryTimeoutSeconds: timeoutBefore,
        nextRecoveryCheckAt: deadlineSeconds(snapshot),
      });
      return;
    }
    if (timeoutAfter !== timeoutBefore) {
      this.timelineEntries.push({
        kind: 'recoveryTimeout',
        at,
        recoveryTimeoutSeconds: timeoutAfter,
        previousRecoveryTimeoutSeconds: timeoutBefore,
      });
    }
  }
}

/** Runs a scenario from start to `until`. Throws {@link SimulationError} when the machine fails. */
export function runScenario(scenario: Scenario): SimulationResult {
  return new Simulation(scenario).runToEnd();
}
