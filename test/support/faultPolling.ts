/**
 * Polling with a deadline, for the fault suite (which runs under vitest and under the plain
 * `npm run faults` runner, so it cannot use vitest's helpers).
 */
import { setTimeout as delay } from 'node:timers/promises';

/** How often a condition is polled. */
const POLL_MS = 25;

/** What {@link pollUntil} may be told besides the condition. */
export interface PollOptions {
  /** Ends the wait with a failure at once when true (a process that exited will never answer). */
  readonly failFast?: () => boolean;
}

/**
 * Polls `probe` until it returns something other than undefined or false, and returns that; fails
 * after `timeoutMs` with `what` in the message. A probe that throws counts as "not yet", and its
 * last error becomes the cause of the timeout.
 */
export async function pollUntil<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  options: PollOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (options.failFast?.() === true) {
      throw new Error(`Gave up waiting for ${what}`, lastError === undefined ? {} : { cause: lastError });
    }
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`, lastError === undefined ? {} : { cause: lastError });
    }
    await delay(POLL_MS);
  }
}

/** Like {@link pollUntil}, but answers false instead of failing when the deadline passes. */
export async function pollFor(timeoutMs: number, probe: () => Promise<boolean> | boolean): Promise<boolean> {
  try {
    await pollUntil('a condition', timeoutMs, probe);
    return true;
  } catch {
    return false;
  }
}
