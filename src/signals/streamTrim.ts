/**
 * Trimming the signal stream (`SIGNAL_QUEUE_KIND=stream`): an acknowledged entry stays in the
 * stream for good unless someone removes it, so a busy producer grows the stream without bound.
 * The leader removes, every `SIGNAL_STREAM_TRIM_INTERVAL` seconds, the entries below the oldest
 * one any consumer group still needs (`src/redis/scripts/trimAcknowledged.lua`): never a pending
 * (unsettled) entry, never one a group has not read yet, and never for a term that lost the lease.
 * What a signal was stays on the outcome streams, which keep its text.
 */
import type { Redis } from 'ioredis';
import { every, systemClock, type Clock } from '../clock.js';
import type { Logger } from '../log.js';
import { withScripts } from '../redis/commands.js';
import type { TermFence } from './queue.js';

/** What one trim did: how many entries went, and the id below which they were ('' when none was looked at). */
export interface TrimResult {
  readonly trimmed: number;
  readonly boundary: string;
}

/** Which stream, and the term the trim is checked against. */
export interface StreamTrimTarget {
  readonly redis: Redis;
  /** `SIGNAL_QUEUE`. */
  readonly stream: string;
  readonly fence: TermFence;
}

/** Trims the acknowledged entries once; answers what it did. */
export async function trimAcknowledged(target: StreamTrimTarget): Promise<TrimResult> {
  let reply: unknown;
  try {
    reply = await withScripts(target.redis).efTrimAcknowledged(target.fence.leaseKey, target.stream, target.fence.token);
  } catch (error) {
    throw new Error(`Could not trim the acknowledged entries of stream "${target.stream}"`, { cause: error });
  }
  if (!Array.isArray(reply) || typeof reply[0] !== 'number' || typeof reply[1] !== 'string') {
    throw new Error(`The trim of stream "${target.stream}" answered ${JSON.stringify(reply)}, not {trimmed, boundary}`);
  }
  return { trimmed: reply[0], boundary: reply[1] };
}

/** What the periodic trim needs besides the target. */
export interface StreamTrimmingOptions extends StreamTrimTarget {
  /** `SIGNAL_STREAM_TRIM_INTERVAL` in milliseconds. */
  readonly intervalMs: number;
  readonly log: Logger;
  /** Default: the system clock. */
  readonly clock?: Clock;
  /** Called after each trim that ran (tests watch it). */
  readonly onTrimmed?: (result: TrimResult) => void;
}

/** A running periodic trim. */
export interface StreamTrimming {
  /** Stops the timer and waits for a trim in flight. */
  stop(): Promise<void>;
}

/**
 * Trims every `intervalMs` on the clock until stopped. A trim that fails is logged and tried again
 * at the next interval: it is housekeeping, and nothing waits for it. Never two at once: a slow
 * Redis skips a beat rather than piling trims up.
 */
export function startStreamTrimming(options: StreamTrimmingOptions): StreamTrimming {
  const { log } = options;
  let running: Promise<void> | null = null;
  const tick = (): void => {
    if (running !== null) return;
    running = (async () => {
      try {
        const result = await trimAcknowledged(options);
        if (result.trimmed > 0)
          log.debug({ stream: options.stream, trimmed: result.trimmed, below: result.boundary }, 'trimmed acknowledged entries of the signal stream');
        options.onTrimmed?.(result);
      } catch (error) {
        log.warn({ err: error }, 'could not trim the signal stream; trying again later');
      } finally {
        running = null;
      }
    })();
  };
  const cancel = every(options.clock ?? systemClock, options.intervalMs, tick);
  return {
    async stop() {
      cancel();
      await running;
    },
  };
}
