/**
 * `SIGNAL_QUEUE_KIND=list`: producers LPUSH signal JSON (as the NAE signal middleware does). Each
 * item is moved atomically to `<SIGNAL_QUEUE>:processing` when taken and removed from there only
 * when settled, so a crash loses nothing: the next `start()` takes those items up again.
 */
import type { Redis } from 'ioredis';
import { createBlockingConnection } from './blockingConnection.js';
import { createSignalRecords } from './signalRecords.js';
import { processingKey } from './keys.js';
import { checkKeyTypes } from './keyTypes.js';
import type { Outcome } from './outcome.js';
import { commitTransaction, dedupTtlMilliseconds, queueOutcomeRecord, type OutcomeDestinations } from './outcomeRecord.js';
import type { QueuedSignal, SignalQueue } from './queue.js';

/** How to reach the list and where outcomes go. */
export interface ListQueueOptions {
  /** The shared connection: non-blocking moves, outcome transactions, dedup look-ups. */
  readonly redis: Redis;
  /**
   * The connection for blocking reads. Defaults to a duplicate of `redis`, owned (and disconnected
   * on close) by the queue.
   */
  readonly blockingRedis?: Redis;
  /** `SIGNAL_QUEUE`. */
  readonly list: string;
  /** `EXECUTION_EVENTS`. */
  readonly eventsStream: string;
  /** `DEAD_LETTER_QUEUE`. */
  readonly deadLetterStream: string;
  /** `DEDUP_TTL_SECONDS`. */
  readonly dedupTtlSeconds: number;
}

// BLMOVE's timeout 0 means "forever": the shortest wait Redis resolves is a millisecond.
const MIN_BLOCK_SECONDS = 0.001;

function itemAsSignal(item: string): QueuedSignal {
  // A list item has no id of its own: its text is what LREM needs to remove it.
  return { id: item, raw: item };
}

/**
 * A {@link SignalQueue} over a Redis list. Producers LPUSH, so the oldest item is at the right;
 * taking moves it RIGHT→LEFT into the processing list, whose right end is therefore the oldest
 * item in flight.
 *
 * The processing list is shared by every consumer of the list: only one instance (the leader) may
 * consume, or a starting instance would take up another's items in flight.
 */
export function createListQueue(options: ListQueueOptions): SignalQueue {
  const { redis, list } = options;
  const processing = processingKey(list);
  const destinations: OutcomeDestinations = {
    queueName: list,
    eventsStream: options.eventsStream,
    deadLetterStream: options.deadLetterStream,
    dedupTtlMs: dedupTtlMilliseconds(options.dedupTtlSeconds),
  };
  const blocking = createBlockingConnection(redis, options.blockingRedis);

  async function takeFirst(blockMs: number): Promise<string | null | undefined> {
    if (blockMs <= 0) return redis.lmove(list, processing, 'RIGHT', 'LEFT');
    const seconds = Math.max(MIN_BLOCK_SECONDS, blockMs / 1000);
    return blocking.read((connection) => connection.blmove(list, processing, 'RIGHT', 'LEFT', seconds));
  }

  /** Moves up to `count` more items without waiting, in one round trip. */
  async function takeMore(count: number): Promise<string[]> {
    if (count <= 0) return [];
    const pipeline = redis.pipeline();
    for (let index = 0; index < count; index += 1) pipeline.lmove(list, processing, 'RIGHT', 'LEFT');
    const results = (await pipeline.exec()) ?? [];
    // Items moved before a failure are in the processing list and must be returned, not lost
    // until the next start; the failure itself shows up again on the next take.
    const moved: string[] = [];
    for (const [error, item] of results) {
      if (error !== null || typeof item !== 'string') break;
      moved.push(item);
    }
    return moved;
  }

  return {
    kind: 'list',

    async start() {
      await checkKeyTypes(redis, [
        { key: list, type: 'list', role: 'the signal list SIGNAL_QUEUE' },
        { key: processing, type: 'list', role: 'the processing list' },
        { key: options.eventsStream, type: 'stream', role: 'the events stream EXECUTION_EVENTS' },
        { key: options.deadLetterStream, type: 'stream', role: 'the dead-letter stream DEAD_LETTER_QUEUE' },
      ]);
      try {
        const items = await redis.lrange(processing, 0, -1);
        return items.reverse().map(itemAsSignal);
      } catch (error) {
        throw new Error(`Could not read the items left in "${processing}"`, { cause: error });
      }
    },

    async take(max, blockMs) {
      const count = Math.floor(max);
      if (blocking.closed || count < 1) return [];
      let first: string | null | undefined;
      try {
        first = await takeFirst(blockMs);
      } catch (error) {
        throw new Error(`Could not take signals from list "${list}"`, { cause: error });
      }
      if (first === null || first === undefined) return [];
      let more: string[] = [];
      try {
        more = await takeMore(count - 1);
      } catch {
        // The first item is already in the processing list: hand it over rather than strand it.
      }
      return [first, ...more].map(itemAsSignal);
    },

    async settle(entry: QueuedSignal, outcome: Outcome) {
      const transaction = redis.multi();
      queueOutcomeRecord(transaction, destinations, outcome);
      transaction.lrem(processing, 1, entry.id);
      await commitTransaction(transaction, `record the ${outcome.outcome} outcome of an item of list "${list}"`);
      // The processing list is shared by whoever leads: no owner to check (the lease fences instead).
      return true;
    },

    ...createSignalRecords(redis, list, destinations.dedupTtlMs),

    async reclaim() {
      return [];
    },

    /** LLEN of the list: items waiting to be taken (those in the processing list are in flight). */
    async depth() {
      try {
        return await redis.llen(list);
      } catch (error) {
        throw new Error(`Could not measure the depth of list "${list}"`, { cause: error });
      }
    },

    interrupt() {
      blocking.interrupt();
    },

    async close() {
      blocking.close();
    },
  };
}
