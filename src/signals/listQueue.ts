/**
 * `SIGNAL_QUEUE_KIND=list`: producers LPUSH signal JSON (as the NAE signal middleware does). Each
 * item is moved atomically to `<SIGNAL_QUEUE>:processing` when taken and removed from there only
 * when settled, so a crash loses nothing: the next `start()` takes those items up again.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { withScripts } from '../redis/commands.js';
import { createBlockingConnection } from './blockingConnection.js';
import { processingKey } from './keys.js';
import { checkKeyTypes } from './keyTypes.js';
import type { Outcome } from './outcome.js';
import { dedupTtlMilliseconds, type OutcomeDestinations } from './outcomeRecord.js';
import type { QueuedSignal, SignalQueue, TermFence } from './queue.js';
import { MAX_SIGNAL_BYTES } from './signal.js';
import { decodeSignalBytes, type DecodedSignal } from './signalBytes.js';
import { createSignalRecords, type EntryRef, type ReplicaConfirmation } from './signalRecords.js';
import { createTake } from './takePlan.js';

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

/** A list item as read: bounded, decoded, and how the scripts name it to remove it. */
interface ListItem {
  readonly decoded: DecodedSignal;
  readonly ref: EntryRef;
  /** Equal for identical items: the reclaim counts copies by it. */
  readonly key: string;
}

/**
 * An item whose first bytes are `head`, `totalBytes` long, with the SHA-1 (hex) of the whole when
 * it is larger than 64 KiB (`digest`, else ''). Only an item of at most 64 KiB is named by its
 * bytes: as its text when that is UTF-8 (the same bytes again when sent), else as a copy of them.
 */
function listItemOf(head: Buffer, totalBytes: number, digest: string): ListItem {
  const decoded = decodeSignalBytes(head, totalBytes);
  if (digest !== '') {
    const ref = `${totalBytes}:${digest}`;
    return { decoded, ref: { kind: 'list-digest', ref }, key: `d${ref}` };
  }
  if (decoded.invalid === undefined) return { decoded, ref: { kind: 'list', ref: decoded.raw }, key: `t${decoded.raw}` };
  // A copy: a view would keep the whole reply it came in alive.
  const bytes = Buffer.from(head);
  return { decoded, ref: { kind: 'list', ref: bytes }, key: `b${bytes.toString('latin1')}` };
}

/** An item a blocking move delivered whole, cut here as the scripts cut it. */
function wholeItem(item: Buffer): ListItem {
  const digest = item.length > MAX_SIGNAL_BYTES ? createHash('sha1').update(item).digest('hex') : '';
  return listItemOf(item.subarray(0, MAX_SIGNAL_BYTES), item.length, digest);
}

/** Reads a list script's answer (`includes/boundedItem.lua`: head, length, digest per item). */
function boundedItemsOf(reply: unknown): ListItem[] {
  if (!Array.isArray(reply) || reply.length % 3 !== 0) throw new Error(`Unexpected answer from a list read script: ${String(reply).slice(0, 200)}`);
  const items: ListItem[] = [];
  for (let index = 0; index < reply.length; index += 3) {
    const [head, length, digest] = (reply as unknown[]).slice(index, index + 3);
    const bytes = Buffer.isBuffer(head) ? head : Buffer.from(typeof head === 'string' ? head : '', 'latin1');
    const totalBytes = typeof length === 'number' ? length : bytes.length;
    items.push(listItemOf(bytes, totalBytes, Buffer.isBuffer(digest) ? digest.toString('latin1') : ''));
  }
  return items;
}

/**
 * A {@link SignalQueue} over a Redis list. Producers LPUSH, so the oldest item is at the right;
 * taking moves it RIGHT→LEFT into the processing list, whose right end is therefore the oldest
 * item in flight.
 *
 * The processing list is shared by every consumer of the list: only one instance (the leader) may
 * consume, or a starting instance would take up another's items in flight. A list item has no id
 * of its own: its text is what LREM removes (one copy of identical items is as good as another),
 * and each item taken gets a number, so that two identical items are two entries. Items are read
 * as bytes and bounded (the scripts answer at most 64 KiB of each); one larger than that is named
 * by its length and SHA-1 instead, which the settle script finds it by.
 */
export function createListQueue(options: ListQueueOptions): SignalQueue {
  const { list } = options;
  const redis = withScripts(options.redis);
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
  const handedOut = new Map<string, ListItem>();
  /** Items seen in the processing list by the last reclaim that this queue had not handed out, by key. */
  let unclaimedBefore = new Map<string, number>();

  function handOut(items: readonly ListItem[]): QueuedSignal[] {
    return items.map((item) => {
      taken += 1;
      const entry: QueuedSignal = { id: `${processing}#${taken}`, ...item.decoded };
      handedOut.set(entry.id, item);
      return entry;
    });
  }

  /** Moves up to `count` items without waiting, in one round trip, bounded by the script. */
  async function takeReady(count: number): Promise<ListItem[]> {
    if (count <= 0) return [];
    return boundedItemsOf(await redis.efTakeListItemsBuffer(list, processing, count, MAX_SIGNAL_BYTES));
  }

  /**
   * Waits for one item. A blocking move cannot run in a script, so this one item arrives whole
   * (however large a producer made it) and is cut here.
   */
  async function takeBlocking(blockMs: number): Promise<ListItem | undefined> {
    const seconds = Math.max(MIN_BLOCK_SECONDS, blockMs / 1000);
    const item = await blocking.read((connection) => connection.blmoveBuffer(list, processing, 'RIGHT', 'LEFT', seconds));
    return item === null || item === undefined ? undefined : wholeItem(item);
  }

  const takeItems = createTake(takeReady, takeBlocking);

  /** The processing list, oldest first, bounded. */
  async function processingItems(): Promise<ListItem[]> {
    return boundedItemsOf(await redis.efReadListItemsBuffer(processing, MAX_SIGNAL_BYTES)).reverse();
  }

  const records = createSignalRecords({
    redis,
    kind: 'list',
    queueKey: processing,
    group: '',
    consumer: '',
    // Not handed out by this queue (a caller's own entry): its text is all there is to name it by.
    entryRef: (entry) => handedOut.get(entry.id)?.ref ?? { kind: 'list', ref: entry.raw },
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
        return handOut(await processingItems());
      } catch (error) {
        throw new Error(`Could not read the items left in "${processing}"`, { cause: error });
      }
    },

    async take(max, blockMs) {
      const count = Math.floor(max);
      if (blocking.closed || count < 1) return [];
      try {
        return handOut(await takeItems(count, blockMs));
      } catch (error) {
        throw new Error(`Could not take signals from list "${list}"`, { cause: error });
      }
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
      let items: ListItem[];
      try {
        items = await processingItems();
      } catch (error) {
        throw new Error(`Could not read "${processing}" for items another leader left`, { cause: error });
      }
      // Oldest first, as the items were queued; one item per key stands for its copies.
      const byKey = new Map<string, ListItem>();
      const unclaimed = new Map<string, number>();
      for (const item of items) {
        byKey.set(item.key, item);
        unclaimed.set(item.key, (unclaimed.get(item.key) ?? 0) + 1);
      }
      for (const { key } of handedOut.values()) {
        const count = unclaimed.get(key) ?? 0;
        if (count <= 1) unclaimed.delete(key);
        else unclaimed.set(key, count - 1);
      }
      const claimed: ListItem[] = [];
      const stillUnclaimed = new Map<string, number>();
      for (const [key, count] of unclaimed) {
        const seenTwice = Math.min(count, unclaimedBefore.get(key) ?? 0);
        const item = byKey.get(key);
        for (let copy = 0; copy < seenTwice && item !== undefined; copy += 1) claimed.push(item);
        if (count > seenTwice) stillUnclaimed.set(key, count - seenTwice);
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
