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

