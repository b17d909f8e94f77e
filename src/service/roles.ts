/**
 * The role statechart (`machines/roles.ts`) running: the lease's events go in, and its two actors
 * start and end leader terms. It replaces a hand-made chain of promises: a term is started only
 * when none runs, and one started while the lease was lost ends at once.
 */
import { createActor, fromPromise, waitFor } from 'xstate';
import { roleMachine, roleOf, RETRY_DELAY } from '../../machines/roles.js';
import type { Logger } from '../log.js';
import type { Role } from '../policy/status.js';
import type { LeaderLease } from './lease.js';

/** How long to wait before trying again to start a term that could not start. */
const LEAD_RETRY_MS = 2000;

/** What the roles drive. */
export interface RoleDeps {
  /** The lease; null without Redis: this instance then leads one term, epoch 0, until it stops. */
  readonly lease: LeaderLease | null;
  /** Starts a term for `epoch`; does nothing when that term is no longer the lease's. */
  lead(epoch: number): Promise<void>;
  /** Ends the running term, if any: finishes what is in flight, saves the policy state. */
  stepDown(): Promise<void>;
  readonly log: Logger;
}

/** The running roles. */
export interface Roles {
  role(): Role;
  /** Resolves once the first lease answer has been acted on, so the caller knows its role. */
  readonly settled: Promise<void>;
  /** Ends the term, if any, and takes no other. Idempotent. */
  stop(): Promise<void>;
}

/** Starts the roles; the lease must not have been started yet (`startRoles` starts it). */
export async function startRoles(deps: RoleDeps): Promise<Roles> {
  const { lease, log } = deps;
  const machine = roleMachine.provide({
    actors: {
      startTerm: fromPromise<number, { readonly epoch: number }>(async ({ input }) => {
        try {
          await deps.lead(input.epoch);
        } catch (error) {
          log.error({ err: error, epoch: input.epoch }, 'could not start leading; trying again shortly');
          throw error;
        }
        return input.epoch;
      }),
      stopTerm: fromPromise<void>(async () => {
        try {
          await deps.stepDown();
        } catch (error) {
          log.error({ err: error }, 'could not step down cleanly');
          throw error;
        }
      }),
    },
    delays: { [RETRY_DELAY]: LEAD_RETRY_MS },
  });
  const actor = createActor(machine);
  let previous = 'standby';
  actor.subscribe((snapshot) => {
    const state = String(snapshot.value);
    if (state === previous) return;
    if (state === 'steppingDown') log.warn({ role: 'standby' }, 'stepping down: no new dispatch; finishing what is in flight');
    previous = state;
  });
  actor.start();
  let stopListening = (): void => {};
  if (lease === null) {
    actor.send({ type: 'LEASE_WON', epoch: 0 });
  } else {
    stopListening = lease.onChange((term) => actor.send(term === null ? { type: 'LEASE_LOST' } : { type: 'LEASE_WON', epoch: term.epoch }));
    await lease.start();
    if (!lease.isHeld()) log.info({ role: 'standby' }, 'another instance leads: this one answers status and waits for the lease');
  }
  const settled = waitFor(actor, (snapshot) => snapshot.value !== 'starting').then(() => undefined);
  let stopping: Promise<void> | null = null;
  return {
    role: () => roleOf(String(actor.getSnapshot().value)),
    settled,
    stop: () =>
      (stopping ??= (async () => {
        actor.send({ type: 'STOP' });
        await waitFor(actor, (snapshot) => snapshot.status === 'done', { timeout: Infinity });
        // The lease is released after this, and says so: nothing is left to hear it.
        stopListening();
      })()),
  };
}
