import { describe, expect, it } from 'vitest';
import { Slots } from '../../src/execution/slots.js';

describe('slots', () => {
  it('takes a free slot at once, and none when all are held', () => {
    const slots = new Slots(2);
    expect(slots.tryAcquire()).toBe(true);
    expect(slots.tryAcquire()).toBe(true);
    expect(slots.tryAcquire()).toBe(false);
    slots.release();
    expect(slots.tryAcquire()).toBe(true);
  });

  it('hands a released slot to the waiters in arrival order, never to a later tryAcquire', async () => {
    const slots = new Slots(1);
    expect(slots.tryAcquire()).toBe(true);
    const order: string[] = [];
    const first = slots.acquire().then(() => order.push('first'));
    const second = slots.acquire().then(() => order.push('second'));
    slots.release();
    // The slot went to the first waiter: it is not free for a caller that did not wait.
    expect(slots.tryAcquire()).toBe(false);
    await first;
    slots.release();
    await second;
    expect(order).toEqual(['first', 'second']);
    slots.release();
    expect(slots.tryAcquire()).toBe(true);
  });
});
