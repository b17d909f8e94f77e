/**
 * One harness per queue kind for the conformance suite: builds queues over the same keys (a new
 * instance is a restart), produces signals as a producer would, and reads what was recorded.
 * Redis kinds hold a leader term of their own: a lease key with the term's token.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { createListQueue } from '../../src/signals/listQueue.js';
import { createMemoryQueue, type MemoryQueue } from '../../src/signals/memoryQueue.js';
import type { Outcome, OutcomeKind } from '../../src/signals/outcome.js';
import type { QueuedSignal, SignalQueue, TermFence } from '../../src/signals/queue.js';
import { createStreamQueue } from '../../src/signals/streamQueue.js';
import { deleteKeys, testRedisUrl, uniquePrefix } from '../support/redis.js';

export const DEDUP_TTL_SECONDS = 600;

/** What the suite does to a queue kind. */
export interface QueueHarness {
  readonly kind: 'stream' | 'list' | 'memory';
  /** A queue over the harness's keys: a second call is another run of the service. */
  queue(): SignalQueue;
  /** Queues a signal's raw text (sent as UTF-8) or bytes as a producer does. */
  produce(raw: string | Buffer): Promise<void>;
  /** The fields of every entry recorded on the events stream, oldest first. */
  events(): Promise<Record<string, string>[]>;
  /** Likewise for the dead-letter stream. */
  deadLetters(): Promise<Record<string, string>[]>;
  /** Resolves once a `take` is waiting (blocked on the server, or for a push). */
  untilWaiting(): Promise<void>;
  /** Makes the dead-letter key a string, so Redis refuses outcomes there (null for memory). */
  readonly breakDeadLetters: (() => Promise<void>) | null;
  /** Undoes `breakDeadLetters`. */
  readonly repairDeadLetters: (() => Promise<void>) | null;
  /** Gives the lease to another term (null for a kind without one). */
  readonly loseLease: (() => Promise<void>) | null;
  close(): Promise<void>;
}

/** A signal's JSON text. */
export function signalJson(id: string, symbol = 'AAPL'): string {
  return JSON.stringify({ signal_id: id, symbol, action: 'BUY', quantity: 1, order_type: 'MARKET' });
}

/** An outcome of `entry` as the manager would record it. */
export function outcomeFor(entry: QueuedSignal, kind: OutcomeKind, signalId: string): Outcome {
  const executed = kind === 'executed';
  return {
    signalId,
    outcome: kind,
    engine: executed || kind === 'rejected' ? 'lean_self_hosted' : null,
    attempts: executed ? 1 : 0,
    reason: `test ${kind}`,
    signal: entry.raw,
    at: Date.parse('2026-11-25T14:30:00.123Z'),
    ...(executed ? { report: { order_id: 'o-1', filled: 10 }, latencyMs: 12.4 } : {}),
  };
}

async function pollFor(what: string, done: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`no ${what} within 5 s`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function fieldsOf(entries: [string, string[]][]): Record<string, string>[] {
  return entries.map(([, fields]) => Object.fromEntries(Array.from({ length: fields.length / 2 }, (_, i) => [fields[2 * i], fields[2 * i + 1]])));
}

/** A harness over a Redis stream or list, on keys no other test uses. */
export function redisHarness(
  kind: 'stream' | 'list',
): QueueHarness & { readonly redis: Redis; readonly prefix: string; readonly fence: TermFence; readonly queueName: string } {
  const prefix = uniquePrefix();
  // The name marks this harness's connections (a queue's duplicate inherits it) in CLIENT LIST.
  const connectionName = `qh${prefix.replace(/:/g, '-')}`;
  const redis = new Redis(testRedisUrl(), { connectionName });
  const queueName = `${prefix}signals`;
  const eventsStream = `${prefix}events`;
  const deadLetterStream = `${prefix}dead`;
  const fence: TermFence = { leaseKey: `${prefix}leader`, token: `term-${randomUUID()}`, epoch: 7 };
  const queues: SignalQueue[] = [];
  let leased: Promise<unknown> = redis.set(fence.leaseKey, fence.token);
  const common = { redis, eventsStream, deadLetterStream, dedupTtlSeconds: DEDUP_TTL_SECONDS, fence };
  return {
    kind,
    redis,
    prefix,
    fence,
    queueName,
    queue() {
      const queue =
        kind === 'stream'
          ? createStreamQueue({ ...common, stream: queueName, group: 'execution-manager', consumer: 'host-a:8001' })
          : createListQueue({ ...common, list: queueName });
      queues.push(queue);
      return queue;
    },
    async produce(raw) {
      await leased;
      if (kind === 'stream') await redis.xadd(queueName, '*', 'signal', raw);
      else await redis.lpush(queueName, raw);
    },
    events: async () => fieldsOf(await redis.xrange(eventsStream, '-', '+')),
    deadLetters: async () => fieldsOf(await redis.xrange(deadLetterStream, '-', '+')),
    untilWaiting: () =>
      pollFor('a blocked read of this queue', async () => {
        const clients = String(await redis.client('LIST')).split('\n');
        return clients.some((line) => line.includes(` name=${connectionName} `) && / flags=b /.test(line));
      }),
    breakDeadLetters: async () => {
      await redis.set(deadLetterStream, 'not a stream');
    },
    repairDeadLetters: async () => {
      await redis.del(deadLetterStream);
    },
    loseLease: async () => {
      leased = redis.set(fence.leaseKey, 'a-newer-term');
      await leased;
    },
    async close() {
      await Promise.all(queues.map((queue) => queue.close()));
      await deleteKeys(redis, prefix);
      await redis.quit();
    },
  };
}

/** A harness over the in-process queue; every `queue()` is the same queue (nothing outlives it). */
export function memoryHarness(): QueueHarness {
  const memory: MemoryQueue = createMemoryQueue();
  return {
    kind: 'memory',
    queue: () => memory,
    async produce(raw) {
      memory.push(raw);
    },
    events: async () => memory.events().map((fields) => ({ ...fields })),
    deadLetters: async () => memory.deadLetters().map((fields) => ({ ...fields })),
    untilWaiting: () => pollFor('a waiting take', async () => memory.waitingTakers() > 0),
    breakDeadLetters: null,
    repairDeadLetters: null,
    loseLease: null,
    close: () => memory.close(),
  };
}
