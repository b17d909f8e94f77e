import { beforeEach, describe, expect, it } from 'vitest';
import { createMemoryQueue } from '../../src/signals/memoryQueue.js';
import type { QueuedSignal } from '../../src/signals/queue.js';
import { TestClock } from '../support/testClock.js';

/** A promise plus whether it has settled yet, to check a take is still waiting. */
function track<T>(promise: Promise<T>): { readonly promise: Promise<T>; readonly settled: () => boolean } {
  let settled = false;
  void promise.then(() => {
    settled = true;
  });
  return { promise, settled: () => settled };
}

/** The clock of the queue under test: a blocking take waits on it, not on the wall clock. */
let clock = new TestClock();
beforeEach(() => {
  clock = new TestClock();
});

describe('memory queue: waiting', () => {
  it('returns [] after blockMs when nothing is pushed, and not before', async () => {
    const queue = createMemoryQueue({ clock });
    const taking = track(queue.take(5, 1000));
    await clock.advance(999);
    expect(taking.settled()).toBe(false);
    await clock.advance(1);
    expect(taking.settled()).toBe(true);
    expect(await taking.promise).toEqual([]);
  });

  it('returns at once with blockMs 0', async () => {
    const queue = createMemoryQueue({ clock });
    expect(await queue.take(5, 0)).toEqual([]);
  });

  it('wakes up for a push while it waits, and the entry counts as taken', async () => {
    const queue = createMemoryQueue({ clock });
    const taking = track(queue.take(5, 10_000));
    await clock.advance(10);
    const id = queue.push('late');
    expect(await taking.promise).toEqual([{ id, raw: 'late' }]);
    expect(await queue.depth()).toBe(0);
    expect(await queue.start()).toEqual([{ id, raw: 'late' }]);
    // Its timer was cleared: nothing is left to fire.
    expect(clock.pendingCount()).toBe(0);
  });

  it('hands pushes to waiting takers one each, longest waiting first', async () => {
    const queue = createMemoryQueue({ clock });
    const first = queue.take(5, 10_000);
    const second = queue.take(5, 10_000);
    const a = queue.push('a');
    const b = queue.push('b');
    expect(await first).toEqual([{ id: a, raw: 'a' }]);
    expect(await second).toEqual([{ id: b, raw: 'b' }]);
  });

  it('does not hand a push to a taker that already timed out', async () => {
    const queue = createMemoryQueue({ clock });
    const expired = queue.take(5, 100);
    await clock.advance(100);
    expect(await expired).toEqual([]);
    const id = queue.push('a');
    expect(await queue.depth()).toBe(1);
    expect(await queue.take(5, 0)).toEqual([{ id, raw: 'a' }]);
  });

  it('close() wakes waiting takers with [], is idempotent, and later takes return []', async () => {
    const queue = createMemoryQueue({ clock });
    const takers = [track(queue.take(5, 60_000)), track(queue.take(5, 60_000))];
    await queue.close();
    await clock.advance(0);
    expect(takers.every((taker) => taker.settled())).toBe(true);
    expect(await Promise.all(takers.map((taker) => taker.promise))).toEqual([[], []]);
    expect(clock.pendingCount()).toBe(0);
    await queue.close();
    queue.push('after close');
    const afterClose: QueuedSignal[] = await queue.take(5, 60_000);
    expect(afterClose).toEqual([]);
  });
});

describe('memory queue: depth', () => {
  it('counts the signals waiting to be taken', async () => {
    const queue = createMemoryQueue({ clock });
    expect(await queue.depth()).toBe(0);
    ['a', 'b', 'c'].forEach((raw) => queue.push(raw));
    expect(await queue.depth()).toBe(3);
    await queue.take(2, 0);
    expect(await queue.depth()).toBe(1);
  });
});
