/**
 * Actor cost: events per second through the failover actor alone, as the service runs it
 * (`startPolicyRuntime`, effects injected) and bare (`createActor(failoverMachine)`). Successes and
 * failures of the primary alternate, so its count never reaches the threshold and the actor stays
 * in `primaryActive`: the hot path of a healthy service.
 */
import { createActor } from 'xstate';
import { PRIMARY_ENGINE } from '../machines/engines.js';
import { failoverMachine } from '../machines/executionFailover.js';
import { DEFAULT_POLICY_SETTINGS } from '../machines/policy.js';
import { startPolicyRuntime } from '../src/policy/runtime.js';
import { nowMs, perSecond } from './timing.js';

/** The actor's measurements. */
export interface ActorResult {
  readonly events: number;
  /** Through the runtime the service uses. */
  readonly runtimeEventsPerSecond: number;
  /** Through a bare actor of the machine, no runtime around it. */
  readonly bareEventsPerSecond: number;
}

// Warm-up events before each timed run, so the JIT has compiled the hot path.
const WARM_UP_EVENTS = 20_000;

function timeEvents(events: number, send: (index: number) => void): number {
  for (let index = 0; index < WARM_UP_EVENTS; index++) send(index);
  const started = nowMs();
  for (let index = 0; index < events; index++) send(index);
  return perSecond(events, nowMs() - started);
}

function assertStillPrimary(state: unknown, where: string): void {
  if (state !== 'primaryActive' && !(typeof state === 'object' && state !== null && 'primaryActive' in state)) {
    throw new Error(`The ${where} actor left primaryActive (${JSON.stringify(state)}); alternating events must never trip the primary`);
  }
}

/** Sends `events` alternating success and failure events through each actor and times them. */
export function runActor(events: number): ActorResult {
  const start = Date.now();
  const runtime = startPolicyRuntime({
    settings: DEFAULT_POLICY_SETTINGS,
    effects: { alert: () => {}, requestHealthCheck: () => {} },
  });
  let runtimeEventsPerSecond: number;
  try {
    runtimeEventsPerSecond = timeEvents(events, (index) =>
      runtime.send(
        index % 2 === 0
          ? { type: 'EXECUTION_SUCCEEDED', engine: PRIMARY_ENGINE, at: start + index }
          : { type: 'EXECUTION_FAILED', engine: PRIMARY_ENGINE, at: start + index },
      ),
    );
    assertStillPrimary(runtime.state().value, 'runtime');
  } finally {
    runtime.stop();
  }

  const actor = createActor(failoverMachine, { input: { settings: DEFAULT_POLICY_SETTINGS } });
  actor.start();
  let bareEventsPerSecond: number;
  try {
    bareEventsPerSecond = timeEvents(events, (index) =>
      actor.send(
        index % 2 === 0
          ? { type: 'EXECUTION_SUCCEEDED', engine: PRIMARY_ENGINE, at: start + index }
          : { type: 'EXECUTION_FAILED', engine: PRIMARY_ENGINE, at: start + index },
      ),
    );
    assertStillPrimary(actor.getSnapshot().value, 'bare');
  } finally {
    actor.stop();
  }
  return { events, runtimeEventsPerSecond, bareEventsPerSecond };
}
