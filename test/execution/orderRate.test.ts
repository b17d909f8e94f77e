import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Clock } from '../../src/clock.js';
import { createOrderRateLimiter } from '../../src/execution/orderRate.js';
import { TestClock } from '../support/testClock.js';

const never = new AbortController().signal;

/** Starts `count` orders to lean at once and returns when each started, in the order asked. */
async function startTimes(clock: TestClock, perSecond: number, count: number, advanceMs: number): Promise<{ at: number; index: number; waited: boolean }[]> {
  const limiter = createOrderRateLimiter({ lean_self_hosted: perSecond }, clock);
  const started: { at: number; index: number; waited: boolean }[] = [];
  for (let index = 0; index < count; index++) {
    void Promise.resolve(limiter.take('lean_self_hosted', never)).then(({ waited }) => started.push({ at: clock.now(), index, waited }));
  }
  await clock.advance(advanceMs);
  return started;
}

describe('order-rate limit', () => {
  it('lets a burst of N through at once, then one more each time the oldest leaves its second', async () => {
    const clock = new TestClock(1_000_000);
    const started = await startTimes(clock, 3, 7, 5000);
    expect(started.map((start) => start.at - 1_000_000)).toEqual([0, 0, 0, 1000, 1000, 1000, 2000]);
    expect(started.map((start) => start.waited)).toEqual([false, false, false, true, true, true, true]);
  });

  it('starts waiting orders in the order they asked', async () => {
    const started = await startTimes(new TestClock(), 2, 9, 10_000);
    expect(started.map((start) => start.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('keeps the average of a limit below one: 0.5 per second is one order every two seconds', async () => {
    const started = await startTimes(new TestClock(), 0.5, 3, 10_000);
    expect(started.map((start) => start.at)).toEqual([0, 2000, 4000]);
  });

  it('never puts more than N starts in any second, whenever the orders ask (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.integer({ min: 0, max: 1500 }), { minLength: 1, maxLength: 30 }),
        async (perSecond, gaps) => {
          const clock = new TestClock();
          const limiter = createOrderRateLimiter({ nautilus_trader: perSecond }, clock);
          const starts: number[] = [];
          const pending: Promise<void>[] = [];
          for (const gap of gaps) {
            await clock.advance(gap);
            pending.push(Promise.resolve(limiter.take('nautilus_trader', never)).then(() => void starts.push(clock.now())));
          }
          await clock.advance(gaps.length * 1000 + 1000);
          await Promise.all(pending);
          expect(starts).toHaveLength(gaps.length);
          // N + 1 consecutive starts span at least a second.
          for (let i = perSecond; i < starts.length; i++) expect(starts[i] - starts[i - perSecond]).toBeGreaterThanOrEqual(1000);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('does not wait for an engine without a limit, nor let another engine use its window', async () => {
    const clock = new TestClock();
    const limiter = createOrderRateLimiter({ lean_self_hosted: 1 }, clock);
    // An order that need not wait is answered at once, not by a promise: it goes on in the same step.
    expect(limiter.take('lean_self_hosted', never)).toEqual({ waited: false });
    for (let i = 0; i < 5; i++) expect(limiter.take('quanttrader_pybroker', never)).toEqual({ waited: false });
    let second = false;
    void Promise.resolve(limiter.take('lean_self_hosted', never)).then(() => (second = true));
    await clock.advance(999);
    expect(second).toBe(false);
    await clock.advance(1);
    expect(second).toBe(true);
  });

  it('ends a wait early when stopped', async () => {
    const clock = new TestClock();
    const limiter = createOrderRateLimiter({ lean_self_hosted: 1 }, clock);
    await limiter.take('lean_self_hosted', never);
    const stop = new AbortController();
    let ended = false;
    void Promise.resolve(limiter.take('lean_self_hosted', stop.signal)).then(() => (ended = true));
    await clock.advance(10);
    expect(ended).toBe(false);
    stop.abort();
    await clock.advance(0);
    expect(ended).toBe(true);
  });

  it('keeps its reservations when the wall clock steps back', async () => {
    const timers = new TestClock(10_000);
    // The wall clock NTP stepped back 5 s; timers still run on elapsed time.
    let stepBack = 0;
    const clock: Clock = {
      now: () => timers.now() - stepBack,
      setTimeout: (callback, ms) => timers.setTimeout(callback, ms),
      clearTimeout: (handle) => timers.clearTimeout(handle as number),
    };
    const limiter = createOrderRateLimiter({ lean_self_hosted: 1 }, clock);
    await limiter.take('lean_self_hosted', never);
    stepBack = 5000;
    let startedAt: number | null = null;
    void Promise.resolve(limiter.take('lean_self_hosted', never)).then(() => (startedAt = timers.now()));
    // Reserved at 11 000 by the old reading: 6 s of waiting by the stepped-back one, never earlier.
    await timers.advance(5_999);
    expect(startedAt).toBeNull();
    await timers.advance(1);
    expect(startedAt).toBe(16_000);
  });
});
