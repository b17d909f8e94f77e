import { describe, expect, it } from 'vitest';
import { createTake } from '../../src/signals/takePlan.js';

/** A queue of numbers behind the two reads, counting each kind of read. */
function queueOf(items: number[]) {
  const reads = { ready: 0, blocking: 0 };
  const take = createTake(
    async (count) => {
      reads.ready++;
      return items.splice(0, count);
    },
    async () => {
      reads.blocking++;
      return items.shift();
    },
  );
  return { take, reads, items };
}

describe('createTake', () => {
  it('reads what is ready while reads come back full', async () => {
    const queue = queueOf([1, 2, 3, 4]);
    expect(await queue.take(2, 1000)).toEqual([1, 2]);
    expect(await queue.take(2, 1000)).toEqual([3, 4]);
    expect(queue.reads).toEqual({ ready: 2, blocking: 0 });
  });

  it('goes straight to the blocking read once a read found the queue drained', async () => {
    const queue = queueOf([1]);
    expect(await queue.take(4, 1000)).toEqual([1]);
    queue.items.push(2, 3);
    expect(await queue.take(4, 1000)).toEqual([2]);
    expect(queue.reads).toEqual({ ready: 1, blocking: 1 });
  });

  it('hands over what the blocking read got at once, and reads what came with it on the next take', async () => {
    const queue = queueOf([]);
    expect(await queue.take(4, 1000)).toEqual([]);
    queue.items.push(1, 2, 3);
    expect(await queue.take(4, 1000)).toEqual([1]);
    expect(await queue.take(4, 1000)).toEqual([2, 3]);
    expect(queue.reads).toEqual({ ready: 2, blocking: 2 });
  });

  it('stays drained after a blocking read that found nothing', async () => {
    const queue = queueOf([]);
    await queue.take(4, 1000);
    expect(await queue.take(4, 1000)).toEqual([]);
    expect(queue.reads).toEqual({ ready: 1, blocking: 2 });
  });

  it('never blocks when told not to wait', async () => {
    const queue = queueOf([]);
    expect(await queue.take(4, 0)).toEqual([]);
    expect(await queue.take(4, 0)).toEqual([]);
    expect(queue.reads).toEqual({ ready: 2, blocking: 0 });
  });
});
