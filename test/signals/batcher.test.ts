import { describe, expect, it } from 'vitest';
import { createBatcher, type BatchAnswer } from '../../src/signals/batcher.js';

describe('the batcher', () => {
  it('sends the calls of one turn as one flush, and each caller gets its own answer', async () => {
    const flushes: number[][] = [];
    const double = createBatcher<number, number>(async (items) => {
      flushes.push([...items]);
      return items.map((item): BatchAnswer<number> => ({ ok: true, value: item * 2 }));
    });
    const answers = await Promise.all([1, 2, 3].map(double));
    expect(answers).toEqual([2, 4, 6]);
    expect(flushes).toEqual([[1, 2, 3]]);
    // A later turn is a later flush.
    expect(await double(4)).toBe(8);
    expect(flushes).toEqual([[1, 2, 3], [4]]);
  });

  it('takes the calls made by promise continuations of the same turn too', async () => {
    const flushes: number[][] = [];
    const echo = createBatcher<number, number>(async (items) => {
      flushes.push([...items]);
      return items.map((value): BatchAnswer<number> => ({ ok: true, value }));
    });
    const later = async (item: number): Promise<number> => {
      await Promise.resolve();
      await Promise.resolve();
      return echo(item);
    };
    await Promise.all([echo(1), later(2), later(3)]);
    expect(flushes).toEqual([[1, 2, 3]]);
  });

  it('splits more than maxItems into several flushes', async () => {
    const sizes: number[] = [];
    const echo = createBatcher<number, number>(async (items) => {
      sizes.push(items.length);
      return items.map((value): BatchAnswer<number> => ({ ok: true, value }));
    }, 2);
    expect(await Promise.all([1, 2, 3, 4, 5].map(echo))).toEqual([1, 2, 3, 4, 5]);
    expect(sizes).toEqual([2, 2, 1]);
  });

  it('fails only the item whose answer is an error, and every item of a flush that fails', async () => {
    const picky = createBatcher<number, number>(async (items) =>
      items.map((item): BatchAnswer<number> => (item === 2 ? { ok: false, error: new Error('not 2') } : { ok: true, value: item })),
    );
    const results = await Promise.allSettled([1, 2, 3].map(picky));
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const broken = createBatcher<number, number>(async () => {
      throw new Error('Redis is away');
    });
    const failed = await Promise.allSettled([1, 2].map(broken));
    expect(failed.map((result) => (result.status === 'rejected' ? String(result.reason) : 'ok'))).toEqual(['Error: Redis is away', 'Error: Redis is away']);
  });
});
