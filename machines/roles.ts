/**
 * An instance's role as a statechart: standby, or leader for one term at a time. The lease says
 * whether this instance may lead (`LEASE_WON`, `LEASE_LOST`); starting and ending a term take time
 * (restoring the policy, finishing signals in flight), and events keep coming meanwhile. The
 * machine makes sure that a term is started only when none runs, that a term started while the
 * lease was lost is ended at once, and that `STOP` ends whatever runs.
 *
 * Pure, like the failover machine: the two actors (`startTerm`, `stopTerm`) and the retry delay
 * are named here and implemented by the service with `.provide()`.
 */
import { assertEvent, assign, fromPromise, setup } from 'xstate';

/** What the service tells the machine. */
export type RoleEvent =
  /** A term began: the lease is ours, with this epoch. */
  | { readonly type: 'LEASE_WON'; readonly epoch: number }
  | { readonly type: 'LEASE_LOST' }
  /** The service stops: end the term, if any, and take no other. */
  | { readonly type: 'STOP' };

/** What the machine remembers about the world while a term starts or ends. */
export interface RoleContext {
  /** The epoch of the lease term held now, as the last lease event said; null while not held. */
  readonly heldEpoch: number | null;
  /** Whether `STOP` came while a term was starting or ending. */
  readonly stopRequested: boolean;
}

/** The retry delay's name: a term that could not start is tried again after it, lease permitting. */
// Stryker disable next-line StringLiteral: only a name; the machine and the service both read it from here.
export const RETRY_DELAY = 'retryDelay';

export const roleMachine = setup({
  // XState reads the machine's types from this assertion; it is not a cast of a value.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
  types: {} as { context: RoleContext; events: RoleEvent },
  actors: {
    // Placeholders: the service provides the real ones. A started term answers its epoch.
    startTerm: fromPromise<number, { readonly epoch: number }>(async ({ input }) => input.epoch),
    stopTerm: fromPromise<void>(async () => {}),
  },
  delays: {
    [RETRY_DELAY]: 2000,
  },
  guards: {
    leaseHeld: ({ context }) => context.heldEpoch !== null,
    stopRequested: ({ context }) => context.stopRequested,
    /** The term that just started is the one held now (not one lost and won again meanwhile). */
    // Stryker disable next-line ConditionalExpression: it guards the start's done event only, which always has an output; `in` is for the type.
    startedTermHeld: ({ context, event }) => 'output' in event && event.output === context.heldEpoch,
  },
  actions: {
    noteLeaseWon: assign({
      heldEpoch: ({ event }) => {
        assertEvent(event, 'LEASE_WON');
        return event.epoch;
      },
    }),
    noteLeaseLost: assign({ heldEpoch: null }),
    noteStop: assign({ stopRequested: true }),
  },
}).createMachine({
  id: 'roles',
  // Stryker disable next-line StringLiteral: XState starts in the first child when `initial` is empty, and this is it.
  initial: 'standby',
  context: { heldEpoch: null, stopRequested: false },
  states: {
    standby: {
      on: {
        // Standby never holds an epoch (every way into it has none), so a LEASE_LOST changes nothing.
        LEASE_WON: { target: 'starting', actions: 'noteLeaseWon' },
        STOP: 'stopped',
      },
    },
    starting: {
      invoke: {
        id: 'startTerm',
        src: 'startTerm',
        input: ({ context }) => ({ epoch: context.heldEpoch ?? 0 }),
        onDone: [
          // Stopped or lost while it started: the term that just began ends at once.
          { guard: 'stopRequested', target: 'stopping' },
          { guard: 'startedTermHeld', target: 'leading' },
          { target: 'steppingDown' },
        ],
        onError: [{ guard: 'stopRequested', target: 'stopped' }, { guard: 'leaseHeld', target: 'retrying' }, { target: 'standby' }],
      },
      on: {
        LEASE_WON: { actions: 'noteLeaseWon' },
        LEASE_LOST: { actions: 'noteLeaseLost' },
        STOP: { actions: 'noteStop' },
      },
    },
    retrying: {
      // Losing the lease leaves this state at once, so the lease is still ours when the delay ends.
      after: {
        [RETRY_DELAY]: 'starting',
      },
      on: {
        LEASE_WON: { actions: 'noteLeaseWon' },
        LEASE_LOST: { target: 'standby', actions: 'noteLeaseLost' },
        STOP: 'stopped',
      },
    },
    leading: {
      on: {
        LEASE_WON: { actions: 'noteLeaseWon' },
        LEASE_LOST: { target: 'steppingDown', actions: 'noteLeaseLost' },
        // Stopping ends in stopped whatever it is told: it need not remember the STOP.
        STOP: 'stopping',
      },
    },
    steppingDown: {
      invoke: {
        id: 'stopTerm',
        src: 'stopTerm',
        onDone: [{ guard: 'stopRequested', target: 'stopped' }, { guard: 'leaseHeld', target: 'starting' }, { target: 'standby' }],
        // A term that failed to end cleanly has ended all the same: its manager and actor are gone.
        onError: [{ guard: 'stopRequested', target: 'stopped' }, { guard: 'leaseHeld', target: 'starting' }, { target: 'standby' }],
      },
      on: {
        LEASE_WON: { actions: 'noteLeaseWon' },
        LEASE_LOST: { actions: 'noteLeaseLost' },
        STOP: { actions: 'noteStop' },
      },
    },
    stopping: {
      invoke: {
        id: 'stopTerm',
        src: 'stopTerm',
        onDone: 'stopped',
        onError: 'stopped',
      },
    },
    stopped: {
      type: 'final',
    },
  },
});

/** The role a state value stands for, as the status shows it. */
export function roleOf(state: string): 'leader' | 'standby' {
  return state === 'leading' ? 'leader' : 'standby';
}
