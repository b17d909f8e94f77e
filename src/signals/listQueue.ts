/**
 * `SIGNAL_QUEUE_KIND=list`: producers LPUSH signal JSON (as the NAE signal middleware does). Each
 * item is moved atomically to `<SIGNAL_QUEUE>:processing` when taken and removed from there only
 * when settled, so a crash loses nothing: the next `start()` takes those items up again.
 */
import type { Redis } from 'ioredis';
import { createBlockingConnection } from './blockingConnection.js';
import { processingKey } from './keys.js';
import { checkKeyTypes } from './keyTypes.js';
import type { Outcome } from './outcome.js';
import { dedupTtlMilliseconds, type OutcomeDestinations } from './outcomeRecord.js';
import type { QueuedSignal, SignalQueue, TermFence } from './queue.js';
import { createSignalRecords, type ReplicaConfirmation } from './signalRecords.js';

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
  /** `OUTCOME_STREAM_MAXLEN`; unset keeps every outcome entry. */
  readonly outcomeMaxLen?: number;
  /** The leader term every write is checked against. */
  readonly fence: TermFence;
  /** `REDIS_MIN_REPLICAS`: attempt records confirmed by replicas before a send. */
  readonly replicas?: ReplicaConfirmation;
}

// BLMOVE's timeout 0 means "forever": the shortest wait Redis resolves is a millisecond.
const MIN_BLOCK_SECONDS = 0.001;

/** How many of each item `items` holds. */
function countItems(items: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return counts;
}

/**
 * A {@link SignalQueue} over a Redis list. Producers LPUSH, so the oldest item is at the right;
 * taking moves it RIGHT→LEFT into the processing list, whose right end is therefore the oldest
 * item in flight.
 *
 * The processing list is shared by every consumer of the list: only one instance (the leader) may
 * consume, or a starting instance would take up another's items in flight. A list item has no id
 * of its own: its text is what LREM removes (one copy of identical items is as good as another),
 * and each item taken gets a number, so that two identical items are two entries.
 */
export function createListQueue(options: ListQueueOptions): SignalQueue {
  const { redis, list } = options;
  const processing = processingKey(list);
  const destinations: OutcomeDestinations = {
    queueName: list,
    eventsStream: options.eventsStream,
    deadLetterStream: options.deadLetterStream,
    dedupTtlMs: dedupTtlMilliseconds(options.dedupTtlSeconds),
    ...(options.outcomeMaxLen === undefined ? {} : { outcomeMaxLen: options.outcomeMaxLen }),
  };
  const blocking = createBlockingConnection(redis, options.blockingRedis);
  let taken = 0;
  /** Items handed out and not yet settled, by entry id. */
  const handedOut = new Map<string, string>();
  /** Items seen in the processing list by the last reclaim that this queue had not handed out. */
  let unclaimedBefore = new Map<string, number>();

  function handOut(items: readonly string[]): QueuedSignal[] {
    return items.map((item) => {
      taken += 1;
      const entry: QueuedSignal = { id: `${processing}#${taken}`, raw: item };
      handedOut.set(entry.id, item);
      return entry;
    });
  }

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

  const records = createSignalRecords({
    redis,
    kind: 'list',
    queueKey: processing,
    group: '',
    consumer: '',
    entryRef: (entry) => entry.raw,
    destinations,
    fence: options.fence,
    ...(options.replicas === undefined ? {} : { replicas: options.replicas }),
  });

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
        return handOut(items.reverse());
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
      return handOut([first, ...more]);
    },

    async beginAttempt(entry, attempt) {
      const start = await records.beginAttempt(entry, attempt);
      // Not ours any more: this queue will never settle it.
      if (start.kind === 'lost') handedOut.delete(entry.id);
      return start;
    },

    async settle(entry: QueuedSignal, outcome: Outcome, settleOptions) {
      const result = await records.settle(entry, outcome, settleOptions);
      if (result !== 'already_executed') handedOut.delete(entry.id);
      return result;
    },

    /**
     * Items in the processing list that this queue did not hand out: a former leader moved them
     * there after this term began (its blocking read was under way when its lease ran out), and
     * will never settle them. Only items seen so on two reclaims in a row are taken, because an
     * item this queue is taking right now is in the list before `take` has handed it out.
     */
    async reclaim() {
      let items: string[];
      try {
        items = await redis.lrange(processing, 0, -1);
      } catch (error) {
        throw new Error(`Could not read "${processing}" for items another leader left`, { cause: error });
      }
      // Oldest first, as the items were queued.
      const unclaimed = countItems(items.reverse());
      for (const item of handedOut.values()) {
        const count = unclaimed.get(item) ?? 0;
        if (count <= 1) unclaimed.delete(item);
        else unclaimed.set(item, count - 1);
      }
      const claimed: string[] = [];
      const stillUnclaimed = new Map<string, number>();
      for (const [item, count] of unclaimed) {
        const seenTwice = Math.min(count, unclaimedBefore.get(item) ?? 0);
        for (let copy = 0; copy < seenTwice; copy += 1) claimed.push(item);
        if (count > seenTwice) stillUnclaimed.set(item, count - seenTwice);
      }
      unclaimedBefore = stillUnclaimed;
      return handOut(claimed);
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
      records.close();
    },
  };
}
