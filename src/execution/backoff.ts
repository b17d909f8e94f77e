/** Delays between attempts of one signal. */

/** Exponential backoff: `baseMs`, doubled per attempt, capped at `maxMs`. */
export function retryDelayMs(attempt: number, baseMs = 50, maxMs = 2000): number {
  return Math.min(baseMs * 2 ** Math.max(0, attempt - 1), maxMs);
}
