/**
 * The role statechart, explored exhaustively: every snapshot reachable with the lease's events (two
 * epochs), STOP, the term actors' done and error events and the retry delay, each checked against a
 * table of the transitions it may take and against the rules it exists for.
 */
import { describe, expect, it } from 'vitest';
import { initialTransition, transition, type SnapshotFrom } from 'xstate';
import { RETRY_DELAY, roleMachine, roleOf } from '../../machines/roles.js';

type Snapshot = SnapshotFrom<typeof roleMachine>;

/** An event as the machine meets it: the lease's and STOP, or XState's own (actor done, error, delay). */
interface EventObject {
  readonly type: string;
  readonly [field: string]: unknown;
}

/** One step. XState's own events are not in the machine's declared event union, hence the cast. */
function step(snapshot: Snapshot, event: EventObject): Snapshot {
  return transition(roleMachine, snapshot, event as unknown as Parameters<typeof transition<typeof roleMachine>>[2])[0];
}

const state = (snapshot: Snapshot): string => String(snapshot.value);

/** Every event the machine can meet, with a name for the table. */
function eventsFor(snapshot: Snapshot): { name: string; event: EventObject }[] {
  const started = snapshot.context.heldEpoch ?? 0;
  return [
    { name: 'LEASE_WON', event: { type: 'LEASE_WON', epoch: 1 } },
    { name: 'LEASE_WON', event: { type: 'LEASE_WON', epoch: 2 } },
    { name: 'LEASE_LOST', event: { type: 'LEASE_LOST' } },
    { name: 'STOP', event: { type: 'STOP' } },
    // A start answers the epoch it was given: the one held when it began (either epoch here).
    { name: 'started', event: { type: 'xstate.done.actor.startTerm', output: started } },
    { name: 'started', event: { type: 'xstate.done.actor.startTerm', output: started === 1 ? 2 : 1 } },
    { name: 'start failed', event: { type: 'xstate.error.actor.startTerm', error: new Error('no Redis') } },
    { name: 'ended', event: { type: 'xstate.done.actor.stopTerm' } },
    { name: 'end failed', event: { type: 'xstate.error.actor.stopTerm', error: new Error('stuck') } },
    { name: 'retry', event: { type: `xstate.after.${RETRY_DELAY}.roles.retrying` } },
  ];
}

/** The transitions the machine may take: `from --event--> to`; anything else is a defect. */
const ALLOWED = new Set([
  'standby --LEASE_WON--> starting',
  'standby --STOP--> stopped',
  'starting --started--> leading',
  'starting --started--> steppingDown',
  'starting --started--> stopping',
  'starting --start failed--> retrying',
  'starting --start failed--> standby',
  'starting --start failed--> stopped',
  'retrying --retry--> starting',
  'retrying --LEASE_LOST--> standby',
  'retrying --STOP--> stopped',
  'leading --LEASE_LOST--> steppingDown',
  'leading --STOP--> stopping',
  'steppingDown --ended--> standby',
  'steppingDown --ended--> starting',
  'steppingDown --ended--> stopped',
  'steppingDown --end failed--> standby',
  'steppingDown --end failed--> starting',
  'steppingDown --end failed--> stopped',
  'stopping --ended--> stopped',
  'stopping --end failed--> stopped',
]);

const key = (snapshot: Snapshot): string => JSON.stringify([snapshot.value, snapshot.context]);

function explore(): { seen: Set<string>; snapshots: Snapshot[]; moves: { from: Snapshot; name: string; event: EventObject; to: Snapshot }[] } {
  const [initial] = initialTransition(roleMachine);
  const snapshots: Snapshot[] = [initial];
  const known = new Set([key(initial)]);
  const moves: { from: Snapshot; name: string; event: EventObject; to: Snapshot }[] = [];
  const seen = new Set<string>();
  for (let index = 0; index < snapshots.length; index++) {
    const from = snapshots[index];
    if (from === undefined || from.status !== 'active') continue;
    for (const { name, event } of eventsFor(from)) {
      const to = step(from, event);
      moves.push({ from, name, event, to });
      if (state(to) !== state(from)) seen.add(`${state(from)} --${name}--> ${state(to)}`);
      if (!known.has(key(to))) {
        known.add(key(to));
        snapshots.push(to);
      }
    }
  }
  return { seen, snapshots, moves };
}

const { seen, snapshots, moves } = explore();

describe('the role statechart', () => {
  it('takes every transition of its table, and no other', () => {
    expect([...seen].filter((move) => !ALLOWED.has(move))).toEqual([]);
    expect([...ALLOWED].filter((move) => !seen.has(move))).toEqual([]);
  });

  it('leads only with the lease, and only in the term it started', () => {
    for (const snapshot of snapshots) {
      if (state(snapshot) === 'leading') expect(snapshot.context.heldEpoch).not.toBeNull();
    }
    for (const { from, event, to } of moves) {
      if (state(to) !== 'leading' || state(from) === 'leading') continue;
      expect(event.type).toBe('xstate.done.actor.startTerm');
      expect('output' in event ? event.output : undefined).toBe(from.context.heldEpoch);
    }
  });

  it('remembers the epoch of the last lease event and a STOP wherever a term may still start or end', () => {
    // Once stopping, neither matters any more: the term ends and nothing starts again.
    const remembering = (snapshot: Snapshot): boolean => !['stopping', 'stopped'].includes(state(snapshot));
    let checked = 0;
    for (const { from, name, event, to } of moves) {
      if (!remembering(from)) continue;
      if (name === 'LEASE_WON') expect(to.context.heldEpoch, `${state(from)} --LEASE_WON ${String(event.epoch)}-->`).toBe(event.epoch);
      if (name === 'LEASE_LOST') expect(to.context.heldEpoch, `${state(from)} --LEASE_LOST-->`).toBeNull();
      if (name === 'STOP' && remembering(to)) expect(to.context.stopRequested, `${state(from)} --STOP-->`).toBe(true);
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
    // Standby never holds an epoch, so the machine need not forget one there.
    for (const snapshot of snapshots) if (state(snapshot) === 'standby') expect(snapshot.context.heldEpoch).toBeNull();
  });

  it('starts a term only when none runs: from standby, a retry, or a term that has ended', () => {
    for (const { from, to } of moves) {
      if (state(to) === 'starting' && state(from) !== 'starting') expect(['standby', 'retrying', 'steppingDown']).toContain(state(from));
    }
  });

  it('never leads, nor starts a term, right after losing the lease or being stopped', () => {
    for (const { from, name, to } of moves) {
      if (name === 'LEASE_LOST' && state(from) !== 'starting' && state(from) !== 'steppingDown') expect(['leading', 'starting']).not.toContain(state(to));
      if (name === 'STOP' && state(to) !== state(from)) expect(['leading', 'starting', 'retrying']).not.toContain(state(to));
    }
  });

  it('ends in stopped after STOP, whatever else happens, once the term actors finish', () => {
    for (const snapshot of snapshots) {
      if (snapshot.status !== 'active') continue;
      let current = step(snapshot, { type: 'STOP' });
      // Only the actors' answers and the lease's events follow; a stop is never undone.
      for (let round = 0; round < 6 && current.status === 'active'; round++) {
        const answer =
          state(current) === 'starting'
            ? { type: 'xstate.done.actor.startTerm', output: current.context.heldEpoch ?? 0 }
            : { type: 'xstate.done.actor.stopTerm' };
        current = step(current, { type: 'LEASE_WON', epoch: 2 });
        current = step(current, answer);
      }
      expect(state(current)).toBe('stopped');
    }
  });

  it('names the role the status shows', () => {
    expect(roleOf('leading')).toBe('leader');
    for (const other of ['standby', 'starting', 'retrying', 'steppingDown', 'stopping', 'stopped']) expect(roleOf(other)).toBe('standby');
  });
});
