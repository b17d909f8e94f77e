/**
 * The one clock of the service: XState's timer interface (`setTimeout`, `clearTimeout`) plus the
 * time now, so that XState's `SimulatedClock` drives the policy, the manager and the prober alike
 * in tests, and nothing waits on the wall clock there.
 */

/** Timers and the time now, in epoch milliseconds. `SimulatedClock` from xstate is one. */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/**
 * The real clock. Its timers are unreferenced: a pending retry or probe never keeps the process
 * alive; what must run to the end is awaited by whoever started it.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(callback, ms) {
    const handle = setTimeout(callback, ms);
    handle.unref();
    return handle;
  },
  clearTimeout(handle) {
    if (handle !== null && typeof handle === 'object' && 'unref' in handle) clearTimeout(handle as NodeJS.Timeout);
  },
};

/**
 * The real clock on monotonic time (`performance.now`): for what must not move when the wall clock
 * is stepped, such as how long the leader lease is still ours. Its `now` is no epoch time.
 */
export const monotonicClock: Clock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => systemClock.setTimeout(callback, ms),
  clearTimeout: (handle) => systemClock.clearTimeout(handle),
};

/**
 * Runs `callback` every `ms` on `clock` until the returned function is called: an interval is a
 * timeout re-armed as it fires, so every clock (a simulated one too) has intervals. It is re-armed
 * before `callback` runs, so a callback that throws keeps it going and one that stops it stops it.
 */
export function every(clock: Clock, ms: number, callback: () => void): () => void {
  // At least 1 ms, as Node's `setInterval`: a zero interval would never let a simulated clock move on.
  const period = Math.max(1, ms);
  let handle: unknown;
  const tick = (): void => {
    handle = clock.setTimeout(tick, period);
    callback();
  };
  handle = clock.setTimeout(tick, period);
  return () => clock.clearTimeout(handle);
}

/** Resolves after `ms` on `clock`, or at once when `signal` aborts (the caller checks which). */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    };
    const handle = clock.setTimeout(done, Math.max(0, ms));
    const onAbort = (): void => {
      clock.clearTimeout(handle);
      done();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
