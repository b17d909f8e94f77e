/**
 * Order-rate limits per engine (`ENGINE_<ID>_MAX_ORDERS_PER_SECOND`): brokers cap how often orders
 * may arrive, and an order refused for its rate would count as an engine failure and trip a
 * healthy engine.
 *
 * A sliding window rather than a token bucket: with a limit of N, no second ever holds more than
 * N order starts, which is how brokers count. (A bucket holding N refills while it is spent and
 * lets up to 2N through in one second.) A limit below 1 or with a fraction keeps the same average:
 * `burst` = max(1, floor(N)) starts in any `burst / N` seconds.
 *
 * Each order reserves its start time when it asks, so the orders waiting for one engine start in
 * the order they asked, and the windows live as long as the process (a new leader term gets no
 * fresh burst). Written here rather than taken from a library: the ones on npm read the wall
 * clock, and this must run on the service's Clock so tests move time themselves.
 */
import type { EngineId } from '../../machines/engines.js';
import { sleep, type Clock } from '../clock.js';

/** Orders per second per engine; an engine missing from it has no limit. */
export type OrderRates = Partial<Record<EngineId, number>>;

export interface OrderRateLimiter {
  /**
   * When an order to `engine` may start: at once (answered without a promise, so that the order
   * goes on in the same step), or a promise of its reserved time (early if `stop` aborts).
   * `waited` says whether it had to wait, which the caller counts.
   */
  take(engine: EngineId, stop: AbortSignal): RateTake | Promise<RateTake>;
}

/** What a take answers. */
export interface RateTake {
  readonly waited: boolean;
}

interface Window {
  readonly burst: number;
  readonly lengthMs: number;
  /** The reserved start times of the last `burst` orders, oldest first. */
  readonly starts: number[];
}

function windowFor(perSecond: number): Window {
  const burst = Math.max(1, Math.floor(perSecond));
  return { burst, lengthMs: (burst / perSecond) * 1000, starts: [] };
}

/** When the next order may start: once the order `burst` places back has left the window. */
function reserve(window: Window, now: number): number {
  const { starts, burst, lengthMs } = window;
  const previous = starts[starts.length - 1];
  const leaving = starts.length < burst ? undefined : starts[starts.length - burst];
  // Never before an earlier reservation: waiting orders keep their order, even if the clock steps back.
  const at = Math.max(now, previous ?? now, leaving === undefined ? now : leaving + lengthMs);
  starts.push(at);
  if (starts.length > burst) starts.splice(0, starts.length - burst);
  return at;
}

// Shared: taken once per order, and a caller only reads them.
const NOT_WAITED: RateTake = { waited: false };
const WAITED: RateTake = { waited: true };

async function waitUntilStart(clock: Clock, ms: number, stop: AbortSignal): Promise<RateTake> {
  await sleep(clock, ms, stop);
  return WAITED;
}

/** A limiter with a window per engine in `rates`, timed by `clock`. */
export function createOrderRateLimiter(rates: OrderRates, clock: Clock): OrderRateLimiter {
  const windows = new Map<EngineId, Window>();
  for (const [engine, perSecond] of Object.entries(rates) as [EngineId, number | undefined][]) {
    if (perSecond !== undefined) windows.set(engine, windowFor(perSecond));
  }
  return {
    // Not async: an order that need not wait (nearly every one) is answered at once.
    take(engine, stop) {
      const window = windows.get(engine);
      if (window === undefined) return NOT_WAITED;
      const now = clock.now();
      const at = reserve(window, now);
      return at <= now ? NOT_WAITED : waitUntilStart(clock, at - now, stop);
    },
  };
}

/** A limiter that never waits: no engine has a limit. */
export const UNLIMITED: OrderRateLimiter = { take: () => NOT_WAITED };
