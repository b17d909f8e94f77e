/**
 * What the fault suite reads and writes in Redis, by the contract's own key names (section 3):
 * it produces signals as a producer does, and reads the outcome streams and what is still queued.
 * It uses the service's defaults, which is why every fault test runs its own redis-server.
 */
import type { Redis } from 'ioredis';

/** `SIGNAL_QUEUE` default. */
export const SIGNAL_QUEUE = 'execution.signals';
/** `SIGNAL_GROUP` default. */
export const SIGNAL_GROUP = 'execution-manager';
/** `EXECUTION_EVENTS` default. */
export const EXECUTION_EVENTS = 'execution.events';
/** `DEAD_LETTER_QUEUE` default. */
export const DEAD_LETTER_QUEUE = 'execution.signals.dead';
/** The list queue's items in flight (contract: `<SIGNAL_QUEUE>:processing`). */
export const PROCESSING_LIST = `${SIGNAL_QUEUE}:processing`;

/** `SIGNAL_QUEUE_KIND`. */
export type QueueKind = 'stream' | 'list';

/** One entry of `execution.events` or `execution.signals.dead`. */
export interface OutcomeEntry {
  readonly stream: typeof EXECUTION_EVENTS | typeof DEAD_LETTER_QUEUE;
  /** The stream entry id; its first part is Redis's clock in ms when the entry was added. */
  readonly entryId: string;
  readonly signalId: string;
  readonly outcome: string;
  /** Empty when no engine was involved. */
  readonly engine: string;
  /** When Redis recorded it (epoch ms, from the entry id). */
  readonly recordedAt: number;
}

function fieldsOf(flat: readonly string[]): Record<string, string> {
  const record: Record<string, string> = {};
  for (let index = 0; index + 1 < flat.length; index += 2) record[flat[index] ?? ''] = flat[index + 1] ?? '';
  return record;
}

/** Epoch ms of a stream entry id such as `1764081000123-0`. */
export function entryTime(entryId: string): number {
  return Number(entryId.split('-')[0]);
}

/** Whether stream entry id `a` comes after `b`. */
export function entryIdAfter(a: string, b: string): boolean {
  const [aMs = 0, aSeq = 0] = a.split('-').map(Number);
  const [bMs = 0, bSeq = 0] = b.split('-').map(Number);
  return aMs !== bMs ? aMs > bMs : aSeq > bSeq;
}

/** The `signal_id` of a signal's JSON text, or null when it has none. */
export function signalIdOfText(raw: string): string | null {
  try {
    const value: unknown = JSON.parse(raw);
    return typeof value === 'object' && value !== null && 'signal_id' in value && typeof value.signal_id === 'string' ? value.signal_id : null;
  } catch {
    return null;
  }
}

async function readStream(redis: Redis, stream: OutcomeEntry['stream']): Promise<OutcomeEntry[]> {
  const entries = await redis.xrange(stream, '-', '+');
  return entries.map(([entryId, flat]) => {
    const fields = fieldsOf(flat);
    return {
      stream,
      entryId,
      signalId: fields.signal_id ?? '',
      outcome: fields.outcome ?? '',
      engine: fields.engine ?? '',
      recordedAt: entryTime(entryId),
    };
  });
}

/** Every outcome entry recorded so far, on both streams. */
export async function readOutcomes(redis: Redis): Promise<OutcomeEntry[]> {
  const [events, dead] = await Promise.all([readStream(redis, EXECUTION_EVENTS), readStream(redis, DEAD_LETTER_QUEUE)]);
  return [...events, ...dead];
}

/** Adds a signal's JSON text as a producer does: XADD with field `signal`, or LPUSH. */
export async function produceSignal(redis: Redis, kind: QueueKind, raw: string): Promise<void> {
  if (kind === 'stream') await redis.xadd(SIGNAL_QUEUE, '*', 'signal', raw);
  else await redis.lpush(SIGNAL_QUEUE, raw);
}

async function queuedInStream(redis: Redis): Promise<string[]> {
  const entries = await redis.xrange(SIGNAL_QUEUE, '-', '+');
  if (entries.length === 0) return [];
  let lastDelivered = '0-0';
  let groupExists = false;
  const groups: unknown = await redis.xinfo('GROUPS', SIGNAL_QUEUE);
  if (Array.isArray(groups)) {
    for (const group of groups) {
      if (!Array.isArray(group)) continue;
      const field = (name: string): unknown => group[group.indexOf(name) + 1];
      if (field('name') !== SIGNAL_GROUP) continue;
      groupExists = true;
      lastDelivered = String(field('last-delivered-id'));
    }
  }
  const pending = new Set<string>();
  if (groupExists) {
    const rows: unknown = await redis.xpending(SIGNAL_QUEUE, SIGNAL_GROUP, '-', '+', 100_000);
    if (Array.isArray(rows)) for (const row of rows) if (Array.isArray(row)) pending.add(String(row[0]));
  }
  const ids: string[] = [];
  for (const [entryId, flat] of entries) {
    if (pending.has(entryId) || !groupExists || entryIdAfter(entryId, lastDelivered)) {
      ids.push(signalIdOfText(fieldsOf(flat).signal ?? '') ?? '');
    }
  }
  return ids;
}

/**
 * The signal ids still in the queue: not yet taken, or taken and not acknowledged (the group's
 * pending entries, or the processing list). An id appears once per queued copy.
 */
export async function queuedSignalIds(redis: Redis, kind: QueueKind): Promise<string[]> {
  if (kind === 'stream') return queuedInStream(redis);
  const [waiting, processing] = await Promise.all([redis.lrange(SIGNAL_QUEUE, 0, -1), redis.lrange(PROCESSING_LIST, 0, -1)]);
  return [...waiting, ...processing].map((raw) => signalIdOfText(raw) ?? '');
}

/** XPENDING's summary, or null before the stream or its group exists. */
async function pendingSummary(redis: Redis): Promise<unknown> {
  try {
    return await redis.xpending(SIGNAL_QUEUE, SIGNAL_GROUP);
  } catch (error) {
    if (error instanceof Error && /NOGROUP|no such key/i.test(error.message)) return null;
    throw new Error(`Could not read the pending entries of ${SIGNAL_QUEUE}`, { cause: error });
  }
}

/** Entries taken by a consumer and not acknowledged, by consumer name (stream mode). */
export async function pendingByConsumer(redis: Redis): Promise<Record<string, number>> {
  const summary = await pendingSummary(redis);
  const byConsumer: Record<string, number> = {};
  if (!Array.isArray(summary) || !Array.isArray(summary[3])) return byConsumer;
  for (const row of summary[3]) if (Array.isArray(row)) byConsumer[String(row[0])] = Number(row[1]);
  return byConsumer;
}

/** Signals taken and not settled: the group's pending entries, or the processing list's length. */
export async function inFlightCount(redis: Redis, kind: QueueKind): Promise<number> {
  if (kind === 'list') return redis.llen(PROCESSING_LIST);
  const summary = await pendingSummary(redis);
  return Array.isArray(summary) ? Number(summary[0]) : 0;
}
