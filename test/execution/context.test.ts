/**
 * `closeRacer`: the race of every signal's Redis step against the end of the term. It must answer
 * like `Promise.race([work, closed])`, and keep nothing of a race whose work has settled (one long-
 * lived promise raced per signal kept every answer alive until the term ended).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { closeRacer } from '../../src/execution/context.js';

function deferred<T>(): { promise: Promise<T>; resolve(value: T): void; reject(error: Error): void } {
  let resolve: (value: T) => void = () => {};
  let reject: (error: Error) => void = () => {};
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('closeRacer', () => {
  it("answers the work's value or error while the term runs", async () => {
    const untilClosed = closeRacer(new AbortController().signal);
    await expect(untilClosed(Promise.resolve(7))).resolves.toBe(7);
    await expect(untilClosed(Promise.reject(new Error('redis down')))).rejects.toThrow('redis down');
  });

  it("answers 'closed' when the term ends first, the work's later error going nowhere", async () => {
    const stop = new AbortController();
    const untilClosed = closeRacer(stop.signal);
    const work = deferred<number>();
    const raced = untilClosed(work.promise);
    stop.abort();
    await expect(raced).resolves.toBe('closed');
    // An unhandled rejection would fail the run.
    work.reject(new Error('abandoned'));
    await expect(untilClosed(deferred<number>().promise)).resolves.toBe('closed');
    // Work already done still wins, as in Promise.race.
    await expect(untilClosed(Promise.resolve(3))).resolves.toBe(3);
  });

  it('keeps nothing of a race once its work has settled', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const untilClosed = closeRacer(new AbortController().signal);
    const answers: WeakRef<object>[] = [];
    for (let i = 0; i < 100; i++) {
      const answer = { kind: 'go', sentAt: i };
      answers.push(new WeakRef(answer));
      await untilClosed(Promise.resolve(answer));
    }
    // WeakRefs hold their target until the current job ends.
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    // At most the last answer, which this test's own frame may still hold (one long-lived
    // promise raced instead keeps all 100).
    expect(answers.filter((answer) => answer.deref() !== undefined).length).toBeLessThanOrEqual(1);
  });
});
