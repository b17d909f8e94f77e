/**
 * The role statechart as a running actor: the table of roles.test.ts steps it with pure
 * transitions and made-up actor events, so what the invoked actors are given and what the
 * placeholder actors answer is checked here.
 */
import { describe, expect, it } from 'vitest';
import { createActor, fromPromise, waitFor } from 'xstate';
import { roleMachine } from '../../machines/roles.js';

// Only a bound for a broken machine to fail by: the placeholders settle within a few microtasks.
const BOUND = { timeout: 2000 };

describe('the role statechart, running', () => {
  it('starts the term of the epoch it won, and leads in it', async () => {
    const epochs: number[] = [];
    const machine = roleMachine.provide({
      actors: {
        startTerm: fromPromise<number, { readonly epoch: number }>(async ({ input }) => {
          epochs.push(input.epoch);
          return input.epoch;
        }),
      },
    });
    const actor = createActor(machine).start();
    actor.send({ type: 'LEASE_WON', epoch: 7 });
    await waitFor(actor, (snapshot) => snapshot.value === 'leading', BOUND);
    expect(epochs).toEqual([7]);
    expect(actor.getSnapshot().context.heldEpoch).toBe(7);
    actor.stop();
  });

  it('leads and stops with its placeholder actors as they stand: a term starts in the epoch it is given', async () => {
    const actor = createActor(roleMachine).start();
    actor.send({ type: 'LEASE_WON', epoch: 3 });
    await waitFor(actor, (snapshot) => snapshot.value === 'leading', BOUND);
    actor.send({ type: 'STOP' });
    await waitFor(actor, (snapshot) => snapshot.value === 'stopped', BOUND);
    expect(actor.getSnapshot().status).toBe('done');
  });
});
