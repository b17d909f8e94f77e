/** Timer functions that tests replace, so no test waits on the wall clock. */

/** What a timer function returns: Node's `Timeout`, or whatever number a test scheduler hands out. */
export type TimerHandle = ReturnType<typeof setTimeout> | number;

/** Calls `callback` once after `ms` milliseconds. */
export type SetTimer = (callback: () => void, ms: number) => TimerHandle;

/** Cancels a timer from {@link SetTimer}; unknown or fired handles are ignored. */
export type ClearTimer = (handle: TimerHandle) => void;

/** `setTimeout`, unreferenced: a pending probe or simulated delay never keeps the process alive. */
export const realSetTimer: SetTimer = (callback, ms) => {
  const handle = setTimeout(callback, ms);
  handle.unref();
  return handle;
};

/** `clearTimeout`. */
export const realClearTimer: ClearTimer = (handle) => clearTimeout(handle);

/** Resolves after `ms` milliseconds of `setTimer`. */
export function delay(setTimer: SetTimer, ms: number): Promise<void> {
  return new Promise((resolve) => {
    setTimer(resolve, ms);
  });
}
