/**
 * The running failover actor: the machine from `machines/` with the service's effects injected.
 * This is the one place where the machine's named effects get their real implementations.
 */
import { createActor, type InspectionEvent } from 'xstate';
import { engineOfState, topStateOf, type EngineId } from '../../machines/engines.js';
import { failoverMachine, type FailoverEvent, type FailoverSnapshot } from '../../machines/executionFailover.js';
import type { FailoverContext, PolicySettings } from '../../machines/policy.js';
import { systemClock, type Clock } from '../clock.js';
import { policyAlert, type Alert } from './alerts.js';
import type { PolicyState } from './status.js';

/** What the running policy does to the world. */
export interface PolicyEffects {
  /** The policy moved: tell people (webhook, log). Must not block. */
  alert(alert: Alert): void;
  /** A recovery check started: probe the engines now. Called outside the actor's step. */
  requestHealthCheck(): void;
}

/** How to start the policy. */
export interface PolicyRuntimeOptions {
  readonly settings: PolicySettings;
  readonly effects: PolicyEffects;
  /** A persisted policy state to continue from (see `persistence.ts`); its settings are replaced by `settings`. */
  readonly restoreFrom?: PolicyState | null;
  /**
   * The clock of the recovery timer and of the events' `at` (`now()`); default {@link systemClock}.
   * XState's actor takes it as it is: `Clock` is XState's timer interface plus `now`.
   */
  readonly clock?: Clock;
  /** Receives the actor's inspection events (inspector, Stately relay). */
  readonly inspect?: (event: InspectionEvent) => void;
  /** Called when the actor fails: it has stopped and no longer decides anything. */
  readonly onError?: (error: unknown) => void;
}

/** The running policy, as the manager, the HTTP layer and the inspector see it. */
export interface PolicyRuntime {
  /** The current state value and context. */
  state(): PolicyState;
  /** The engine signals go to now, or null while paused. */
  activeEngine(): EngineId | null;
  /** Sends an event; `at` defaults to now. */
  send(event: DistributiveOmit<FailoverEvent, 'at'> & { at?: number }): void;
  /** Calls `listener` after every step of the actor. */
  subscribe(listener: (state: FailoverSnapshot) => void): () => void;
  /** Whether the actor runs. */
  isRunning(): boolean;
  /** Epoch ms now, by the runtime's clock. */
  now(): number;
  stop(): void;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * The snapshot a restored actor starts from: the persisted state under today's settings.
 * @throws when the state value is not one of this machine's states.
 */
export function resolvePolicyState(state: PolicyState, settings: PolicySettings): FailoverSnapshot {
  const context: FailoverContext = { ...state.context, settings };
  return failoverMachine.resolveState({ value: state.value as FailoverSnapshot['value'], context });
}

/** Starts the failover actor, restoring a persisted snapshot when given one. */
export function startPolicyRuntime(options: PolicyRuntimeOptions): PolicyRuntime {
  const clock = options.clock ?? systemClock;
  const now = (): number => clock.now();
  const machine = failoverMachine.provide({
    actions: {
      alert: ({ context }, params) => {
        const alert = policyAlert(params.kind, context);
        if (alert !== null) options.effects.alert(alert);
      },
      // The prober sends its results as events: never from inside the actor's own step.
      requestHealthCheck: () => setImmediate(() => options.effects.requestHealthCheck()),
    },
  });
  const actor = createActor(machine, {
    input: { settings: options.settings },
    ...(options.restoreFrom ? { snapshot: resolvePolicyState(options.restoreFrom, options.settings) } : {}),
    clock,
    ...(options.inspect ? { inspect: options.inspect } : {}),
  });
  let running = true;
  actor.subscribe({
    error: (error) => {
      running = false;
      options.onError?.(error);
    },
  });
  actor.start();
  // Restored timers are not re-armed by XState (statelyai/xstate#5331): the deadline is in context.
  if (options.restoreFrom) actor.send({ type: 'RESTORED', at: now() });

  return {
    state: () => {
      const snapshot = actor.getSnapshot();
      return { value: snapshot.value, context: snapshot.context };
    },
    // A failed actor decides nothing any more: nothing may be dispatched on its last word.
    activeEngine: () => (running && actor.getSnapshot().status === 'active' ? engineOfState(topStateOf(actor.getSnapshot().value)) : null),
    send: (event) => {
      // Spreading a union loses which member it is; the object is the same event with its time.
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
      actor.send({ ...event, at: event.at ?? now() } as FailoverEvent);
    },
    subscribe: (listener) => {
      const subscription = actor.subscribe({ next: listener, error: () => {} });
      return () => subscription.unsubscribe();
    },
    isRunning: () => running && actor.getSnapshot().status === 'active',
    now,
    stop: () => {
      running = false;
      actor.stop();
    },
  };
}
