/**
 * `SIGNAL_QUEUE_KIND=stream`: signals are entries of a Redis Stream, read through a consumer
 * group. An entry stays in this consumer's pending list until `settle` acknowledges it, so a crash
 * loses nothing: the next `start()` with the same consumer name takes the pending entries up again.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import { withScripts } from '../redis/commands.js';
import { createBlockingConnection } from './blockingConnection.js';
import { checkKeyTypes } from './keyTypes.js';
import { dedupTtlMilliseconds, type OutcomeDestinations } from './outcomeRecord.js';
import type { QueuedSignal, SignalQueue, TermFence } from './queue.js';
import { idleConsumerSweep } from './idleConsumers.js';
import { createSignalRecords, type ReplicaConfirmation } from './signalRecords.js';
import { boundEntry, boundedEntriesOf, ENTRY_BOUND_ARGS, queuedSignalOf } from './streamEntry.js';
import { createTake } from './takePlan.js';

/** How to reach the stream and where outcomes go. */
export interface StreamQueueOptions {
  /** The shared connection: group management, outcome transactions, dedup look-ups. */
  readonly redis: Redis;
  /**
   * The connection for blocking reads. Defaults to a duplicate of `redis`, owned (and disconnected
   * on close) by the queue.
   */
  readonly blockingRedis?: Redis;
  /** `SIGNAL_QUEUE`. */
  readonly stream: string;
  /** `SIGNAL_GROUP`. */
  readonly group: string;
  /** `CONSUMER_NAME`: stable across restarts, so pending entries are found again. */
  readonly consumer: string;
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
  /**
   * `CONSUMER_IDLE_REMOVE_SECONDS` in milliseconds: reclaims also remove the group's consumers
   * idle this long with nothing pending (see `idleConsumers.ts`). Unset: none are removed.
   */
  readonly consumerIdleRemoveMs?: number;
  /** Where removed consumers are reported, and a removal that failed (the reclaim goes on). */
  readonly log?: Logger;
}

export { SIGNAL_FIELD } from './streamEntry.js';

// How many abandoned entries one reclaim takes over; the next reclaim takes the rest.
const RECLAIM_BATCH = 1000;

// How many pending entries start() reads per round trip.
const PENDING_PAGE_SIZE = 100;

/** The one entry of a blocking XREADGROUP COUNT 1 (a `…Buffer` reply), cut; undefined when none came. */
function blockingEntryOf(reply: unknown, stream: string): QueuedSignal | undefined {
  if (!Array.isArray(reply)) return undefined;
  for (const item of reply) {
    if (!Array.isArray(item) || !Buffer.isBuffer(item[0]) || !item[0].equals(Buffer.from(stream))) continue;
    const entries: unknown = item[1];
    const entry: unknown = Array.isArray(entries) ? entries[0] : undefined;
    if (!Array.isArray(entry) || !Buffer.isBuffer(entry[0])) continue;
    const fields: unknown = entry[1];
    const buffers = Array.isArray(fields) ? fields.filter((field): field is Buffer => Buffer.isBuffer(field)) : null;
    return queuedSignalOf(boundEntry(entry[0].toString('latin1'), buffers));
  }
  return undefined;
}

function hasErrorCode(error: unknown, code: string): boolean {
  return error instanceof Error && error.message.startsWith(code);
}

/** Reads one field of an XINFO reply, a flat [name, value, …] array. */
function infoField(info: unknown, name: string): unknown {
  if (!Array.isArray(info)) return undefined;
  const index = info.findIndex((item, position) => position % 2 === 0 && item === name);
  return index === -1 ? undefined : info[index + 1];
}

/** A {@link SignalQueue} over a Redis Stream and consumer group. */
export function createStreamQueue(options: StreamQueueOptions): SignalQueue {
  const { stream, group, consumer } = options;
  const redis = withScripts(options.redis);
  const destinations: OutcomeDestinations = {
    queueName: stream,
    eventsStream: options.eventsStream,
    deadLetterStream: options.deadLetterStream,
    dedupTtlMs: dedupTtlMilliseconds(options.dedupTtlSeconds),
    ...(options.outcomeMaxLen === undefined ? {} : { outcomeMaxLen: options.outcomeMaxLen }),
  };
  const blocking = createBlockingConnection(redis, options.blockingRedis);

  async function ensureGroup(): Promise<void> {
    try {
      // From 0, not $: signals queued before the service first ran are executed too.
      await redis.xgroup('CREATE', stream, group, 0, 'MKSTREAM');
    } catch (error) {
      if (hasErrorCode(error, 'BUSYGROUP')) return;
      throw new Error(`Could not create the consumer group "${group}" on stream "${stream}"`, { cause: error });
    }
  }

  /**
   * New entries (`after` '>') or this consumer's pending ones after an id, without waiting, each
   * cut to bounded size by the script: a reply holds at most `count` times 64 KiB of signals.
   */
  async function readBounded(after: string, count: number): Promise<QueuedSignal[]> {
    const reply: unknown = await redis.efReadEntriesBuffer(stream, group, consumer, after, count, ...ENTRY_BOUND_ARGS);
    return boundedEntriesOf(reply).map(queuedSignalOf);
  }

  /**
   * Waits for one new entry. A blocking read cannot run in a script, so this one entry arrives
   * whole (however large a producer made it) and is cut here; COUNT 1 keeps it to one.
   */
  async function readBlocking(blockMs: number): Promise<QueuedSignal | undefined> {
    const reply: unknown = await blocking.read((connection) =>
      connection.xreadgroupBuffer('GROUP', group, consumer, 'COUNT', 1, 'BLOCK', Math.ceil(blockMs), 'STREAMS', stream, '>'),
    );
    return blockingEntryOf(reply, stream);
  }

  /** What is there now, else (with `blockMs`) the first to arrive. */
  const readNew = createTake((count) => readBounded('>', count), readBlocking);

  const sweep =
    options.consumerIdleRemoveMs === undefined
      ? null
      : idleConsumerSweep({ redis, stream, group, consumer, fence: options.fence, idleMs: options.consumerIdleRemoveMs });

  /** Housekeeping after a reclaim: its failure must not cost the reclaim its entries. */
  async function removeIdleConsumers(): Promise<void> {
    if (sweep === null) return;
    try {
      const removed = await sweep();
      if (removed.length > 0) options.log?.info({ group, removed }, 'removed consumers of the group that were idle with nothing pending');
    } catch (error) {
      options.log?.warn({ err: error }, 'could not remove idle consumers of the group; trying again later');
    }
  }

  const records = createSignalRecords({
    redis,
    kind: 'stream',
    queueKey: stream,
    group,
    consumer,
    entryRef: (entry) => ({ kind: 'stream', ref: entry.id }),
    destinations,
    fence: options.fence,
    ...(options.replicas === undefined ? {} : { replicas: options.replicas }),
  });

  return {
    kind: 'stream',

    async start() {
      await checkKeyTypes(redis, [
        { key: stream, type: 'stream', role: 'the signal stream SIGNAL_QUEUE' },
        { key: options.eventsStream, type: 'stream', role: 'the events stream EXECUTION_EVENTS' },
        { key: options.deadLetterStream, type: 'stream', role: 'the dead-letter stream DEAD_LETTER_QUEUE' },
      ]);
      await ensureGroup();
      const pending: QueuedSignal[] = [];
      // Reading from an explicit id returns this consumer's own pending entries after that id.
      let after = '0';
      for (;;) {
        let page: QueuedSignal[];
        try {
          page = await readBounded(after, PENDING_PAGE_SIZE);
        } catch (error) {
          throw new Error(`Could not read the pending entries of consumer "${consumer}" on stream "${stream}"`, { cause: error });
        }
        if (page.length === 0) return pending;
        pending.push(...page);
        after = page[page.length - 1]?.id ?? after;
      }
    },

    async take(max, blockMs) {
      const count = Math.floor(max);
      if (blocking.closed || count < 1) return [];
      try {
        return await readNew(count, blockMs);
      } catch (error) {
        // The stream or group vanished (deleted by hand, FLUSHDB): recreate it rather than fail forever.
        if (!hasErrorCode(error, 'NOGROUP')) {
          throw new Error(`Could not read new signals from stream "${stream}"`, { cause: error });
        }
      }
      await ensureGroup();
      try {
        return await readNew(count, blockMs);
      } catch (error) {
        throw new Error(`Could not read new signals from stream "${stream}" after recreating group "${group}"`, { cause: error });
      }
    },

    beginAttempt: records.beginAttempt,
    settle: records.settle,

    async reclaim(minIdleMs) {
      const idle = Math.max(0, Math.floor(minIdleMs));
      let claimed: unknown;
      try {
        // Lease-checked: a former leader takes nothing from its successor.
        claimed = await redis.efReclaimEntriesBuffer(
          options.fence.leaseKey,
          stream,
          options.fence.token,
          group,
          consumer,
          idle,
          RECLAIM_BATCH,
          ...ENTRY_BOUND_ARGS,
        );
      } catch (error) {
        throw new Error(`Could not claim abandoned entries of stream "${stream}"`, { cause: error });
      }
      const entries = boundedEntriesOf(claimed).map(queuedSignalOf);
      // After the claim: a dead leader's consumer has nothing pending once its entries are ours.
      await removeIdleConsumers();
      return entries;
    },

    /**
     * The group's `lag` (entries not yet delivered to any consumer of the group), from XINFO
     * GROUPS. Entries delivered but not yet settled are not counted: they are in flight, not
     * waiting. Redis reports no lag (before 7.0, or after deletions inside the unread range): then
     * XLEN, which over-counts by the entries already read but is the honest upper bound. Before the
     * group exists, every entry is waiting, so XLEN is exact.
     */
    async depth() {
      try {
        let groups: unknown;
        try {
          groups = await redis.xinfo('GROUPS', stream);
        } catch (error) {
          if (error instanceof Error && /no such key/i.test(error.message)) return 0;
          throw error;
        }
        const info = Array.isArray(groups) ? (groups as unknown[]).find((candidate) => infoField(candidate, 'name') === group) : undefined;
        const lag = infoField(info, 'lag');
        if (typeof lag === 'number') return lag;
        return await redis.xlen(stream);
      } catch (error) {
        throw new Error(`Could not measure the depth of stream "${stream}"`, { cause: error });
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
