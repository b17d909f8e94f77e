/**
 * The role statechart as a running actor, through the parts of a term's life that roles.actor
 * does not run: a fresh machine holds nothing, a leader that loses the lease ends its term (and
 * starts the next one if it wins the lease back meanwhile), and a term that could not start is
 * tried again after the retry delay, on a simulated clock.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createActor, fromPromise, waitFor, type Actor } from 'xstate';
import { roleMachine } from '../../machines/roles.js';
import { TestClock, settle } from '../support/testClock.js';

// Only a bound for a broken machine to fail by: the actors here settle within a few microtasks.
const BOUND = { timeout: 2000 };

let actor: Actor<typeof roleMachine> | undefined;

afterEach(() => actor?.stop());

describe('a role machine that has just started', () => {
  it('is standby, holding no lease, with no stop pending', () => {
    actor = createActor(roleMachine).start();
    const { value, context } = actor.getSnapshot();
    expect(value).toBe('standby');
    expect(context).toEqual({ heldEpoch: null, stopRequested: false });
  });
});

describe('a leader that loses the lease', () => {
  it('ends its term once and waits as standby', async () => {
    const ended: string[] = [];
    const machine = roleMachine.provide({
      actors: {
        stopTerm: fromPromise<void>(async () => {
          ended.push('ended');
        }),
      },
    });
    actor = createActor(machine).start();
    actor.send({ type: 'LEASE_WON', epoch: 4 });
    await waitFor(actor, (snapshot) => snapshot.value === 'leading', BOUND);
    actor.send({ type: 'LEASE_LOST' });
    await waitFor(actor, (snapshot) => snapshot.value === 'standby', BOUND);
    expect(ended).toEqual(['ended']);
    expect(actor.getSnapshot().context.heldEpoch).toBeNull();
  });
});

describe('a leader that wins the lease back while it steps down', () => {
  it('starts the new term, in the new epoch, once the old one has ended', async () => {
    let endTerm = (): void => {};
    const started: number[] = [];
    const machine = roleMachine.provide({
      actors: {
        startTerm: fromPromise<number, { readonly epoch: number }>(async ({ input }) => {
          started.push(input.epoch);
          return input.epoch;
        }),
        stopTerm: fromPromise<void>(
          () =>
            new Promise<void>((resolve) => {
              endTerm = resolve;
            }),
        ),
      },
    });
    actor = createActor(machine).start();
    actor.send({ type: 'LEASE_WON', epoch: 1 });
    await waitFor(actor, (snapshot) => snapshot.value === 'leading', BOUND);
    actor.send({ type: 'LEASE_LOST' });
    actor.send({ type: 'LEASE_WON', epoch: 2 });
    expect(actor.getSnapshot().value).toBe('steppingDown');
    endTerm();
    await waitFor(actor, (snapshot) => snapshot.value === 'leading', BOUND);
    expect(started).toEqual([1, 2]);
  });
});

describe('a term that fails to start', () => {
  it('is tried again two seconds later while the lease is held, and then leads', async () => {
    const clock = new TestClock();
    const attempts: number[] = [];
    const machine = roleMachine.provide({
      actors: {
        startTerm: fromPromise<number, { readonly epoch: number }>(async ({ input }) => {
          attempts.push(input.epoch);
          if (attempts.length === 1) throw new Error('Redis is not answering');
          return input.epoch;
        }),
      },
    });
    actor = createActor(machine, { clock }).start();
    actor.send({ type: 'LEASE_WON', epoch: 2 });
    await settle();
    expect(actor.getSnapshot().value).toBe('retrying');
    await clock.advance(1999);
    expect(actor.getSnapshot().value).toBe('retrying');
    await clock.advance(1);
    expect(actor.getSnapshot().value).toBe('leading');
    expect(attempts).toEqual([2, 2]);
  });
});
