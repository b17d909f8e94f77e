/** The messages between bench/latency.ts and its load generator, bench/latencyLoad.ts. */
import { hasType } from './childProcess.js';

/** Where the load generator sends its signals. */
export type LoadTarget =
  /** XADD to a stream: field `signal` holds the signal's JSON (the service), or `id` its id (the bare loop). */
  | { readonly kind: 'stream'; readonly key: string; readonly field: 'signal' | 'id' }
  /** `Queue.add` of BullMQ, the job id being the signal id (the peer). */
  | { readonly kind: 'bullmq'; readonly name: string };

/** What the load generator runs. */
export interface LoadConfig {
  readonly redisUrl: string;
  readonly target: LoadTarget;
  readonly runId: string;
  readonly rate: number;
  readonly durationMs: number;
  /**
   * Before the measured signals, the same load is offered this long, unmeasured (indices from
   * {@link signalCount} up): a load generator just started runs cold code for its first few hundred
   * milliseconds, and on two cores its compiler and collector take the contender's CPU, so the
   * first signals measured a start-up, not a steady load (README, Performance).
   */
  readonly warmUpMs: number;
  readonly symbols: number;
  /**
   * The service's outcome stream: when set, the generator also reads it and stamps each outcome,
   * and reports once every offered signal has one (or `timeoutMs` passed).
   */
  readonly eventsStream?: string;
  readonly timeoutMs: number;
}

/** How many signals a run measures. */
export function signalCount(config: { readonly rate: number; readonly durationMs: number }): number {
  return Math.round((config.rate * config.durationMs) / 1000);
}

/** The generator's last message: stamps by signal index, in {@link sharedClockMs} milliseconds; null where none. */
export interface LoadResultMessage {
  readonly type: 'result';
  readonly sent: readonly (number | null)[];
  readonly recorded: readonly (number | null)[] | null;
}

export function isLoadResult(message: unknown): message is LoadResultMessage {
  return hasType(message, 'result') && Array.isArray(message.sent) && (message.recorded === null || Array.isArray(message.recorded));
}

/**
 * Milliseconds of the system's monotonic clock (`CLOCK_MONOTONIC`, as `process.hrtime`), which
 * every process on the machine shares: a stamp taken by the load generator and one taken by the
 * contender can be subtracted.
 */
export function sharedClockMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** The index of a benchmark signal from its id, `<runId>-<index>` (bench/signals.ts); -1 if none. */
export function signalIndexOf(signalId: string): number {
  const at = signalId.lastIndexOf('-');
  const index = at === -1 ? Number.NaN : Number(signalId.slice(at + 1));
  return Number.isInteger(index) && index >= 0 ? index : -1;
}
