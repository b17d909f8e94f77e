/**
 * The in-process queue `npm run demo` falls back to when Redis is unreachable. It behaves like the
 * Redis queues towards the execution manager, but nothing survives the process: it is for demos and
 * tests, never for trading.
 */
import { perEngine, type EngineId } from '../../machines/engines.js';
import { EVENT_STREAM_OUTCOMES, outcomeFields, type Outcome, type PositionChange } from './outcome.js';
import { positionField } from './keys.js';
import { rowsOf, type PositionLedger } from './positions.js';
import { systemClock, type Clock } from '../clock.js';
import type { QueuedSignal, SignalQueue } from './queue.js';
import { MAX_SIGNAL_BYTES } from './signal.js';
import { decodeSignalBytes } from './signalBytes.js';

/** An attempt record, as the Redis queues keep it. */
interface MemoryAttempt {
  readonly engine: EngineId;
  readonly sentAt: number;
}

/** A recorded outcome entry: the fields a Redis stream entry would carry. */
export type RecordedOutcome = Readonly<Record<string, string>>;

/** The in-process queue, with the hooks a demo or test needs. */
export interface MemoryQueue extends SignalQueue {
  readonly kind: 'memory';
  /**
   * Queues a signal's bytes (text is sent as UTF-8, as a Redis client does), as a producer would;
   * returns the id of its entry. Like the Redis queues, it keeps no more than 64 KiB of it.
   */
  push(raw: string | Uint8Array): string;
  /** The entries recorded on the events stream (`executed`, `duplicate`), oldest first. */
  events(): readonly RecordedOutcome[];
  /** The entries recorded on the dead-letter stream, oldest first. */
  deadLetters(): readonly RecordedOutcome[];
  /** How many `take` calls are waiting for a push. */
  waitingTakers(): number;
  /** The position ledger its settles move (position affinity without Redis). */
  readonly positions: PositionLedger;
}

/** How the in-process queue is made. */
export interface MemoryQueueOptions {
  /** Times a blocking `take` and stamps attempts; default {@link systemClock}. */
  readonly clock?: Clock;
}

interface Waiter {
  readonly deliver: (entry: QueuedSignal) => void;
  readonly giveUp: () => void;
}

/**
 * An empty in-process queue. The dedup set never expires (`DEDUP_TTL_SECONDS` outlives any demo).
 * A push while a `take` waits hands the entry straight to the longest-waiting taker.
 */
export function createMemoryQueue(options: MemoryQueueOptions = {}): MemoryQueue {
  const clock = options.clock ?? systemClock;
  const waiting: QueuedSignal[] = [];
  const inFlight = new Map<string, QueuedSignal>();
  const waiters: Waiter[] = [];
  const attempts = new Map<string, MemoryAttempt>();
  const executed = new Set<string>();
  /** Each engine's positions by field, as the Redis ledger keeps them. */
  const ledger = perEngine(() => new Map<string, number>());
  const movePosition = (change: PositionChange): void => {
    const field = positionField(change.strategyId, change.symbol);
    const net = (ledger[change.engine].get(field) ?? 0) + change.amount;
    if (Math.abs(net) < 1e-9) ledger[change.engine].delete(field);
    else ledger[change.engine].set(field, net);
  };
  const positions: PositionLedger = {
    of: async (strategyId, symbol) => perEngine((engine) => ledger[engine].get(positionField(strategyId, symbol)) ?? 0),
    all: async () => rowsOf(perEngine((engine) => Object.fromEntries([...ledger[engine]].map(([field, net]) => [field, String(net)])))),
    openPairs: async () => perEngine((engine) => ledger[engine].size),
  };
  const events: RecordedOutcome[] = [];
  const deadLetters: RecordedOutcome[] = [];
  let nextId = 1;
  let closed = false;

  function takeWaiting(max: number): QueuedSignal[] {
    const taken = waiting.splice(0, max);
    for (const entry of taken) inFlight.set(entry.id, entry);
    return taken;
  }

  function waitForPush(blockMs: number): Promise<QueuedSignal[]> {
    return new Promise((resolve) => {
      const waiter: Waiter = {
        deliver: (entry) => {
          clock.clearTimeout(timer);
          resolve([entry]);
        },
        giveUp: () => {
          clock.clearTimeout(timer);
          resolve([]);
        },
      };
      const timer = clock.setTimeout(() => {
        const index = waiters.indexOf(waiter);
        if (index !== -1) waiters.splice(index, 1);
        resolve([]);
      }, blockMs);
      waiters.push(waiter);
    });
  }

  return {
    kind: 'memory',

    push(raw) {
      const bytes = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
      // A copy: a view would keep the whole of an oversized producer's buffer alive.
      const decoded = decodeSignalBytes(Uint8Array.from(bytes.subarray(0, MAX_SIGNAL_BYTES)), bytes.length);
      const entry: QueuedSignal = { id: `mem-${nextId}`, ...decoded };
      nextId += 1;
      const waiter = waiters.shift();
      if (waiter === undefined) {
        waiting.push(entry);
      } else {
        inFlight.set(entry.id, entry);
        waiter.deliver(entry);
      }
      return entry.id;
    },

    events: () => [...events],
    deadLetters: () => [...deadLetters],
    waitingTakers: () => waiters.length,
    positions,

    async start() {
      // Nothing outlives the process, so only entries taken by this very queue can be unsettled.
      return [...inFlight.values()];
    },

    async take(max, blockMs) {
      const count = Math.floor(max);
      if (closed || count < 1) return [];
      if (waiting.length > 0 || blockMs <= 0) return takeWaiting(count);
      return waitForPush(blockMs);
    },

    async settle(entry, outcome: Outcome, { clearsAttempt }) {
      // Synchronous, hence as atomic as the Redis script: nothing runs between these steps.
      if (!inFlight.has(entry.id)) return 'not_owner';
      if (outcome.outcome === 'executed' && executed.has(outcome.signalId)) return 'already_executed';
      const fields = outcomeFields(outcome);
      (EVENT_STREAM_OUTCOMES.has(outcome.outcome) ? events : deadLetters).push(fields);
      if (outcome.outcome === 'executed') executed.add(outcome.signalId);
      if (outcome.outcome === 'executed' && outcome.positionChange !== undefined) movePosition(outcome.positionChange);
      if (clearsAttempt) attempts.delete(outcome.signalId);
      inFlight.delete(entry.id);
      return 'settled';
    },

    async beginAttempt(entry, { signalId, engine, first }) {
      if (!inFlight.has(entry.id)) return { kind: 'lost', reason: 'not_owner' };
      if (executed.has(signalId)) return { kind: 'executed' };
      const earlier = attempts.get(signalId);
      if (first && earlier !== undefined) return { kind: 'unsettled', engine: earlier.engine, epoch: 0, sentAt: earlier.sentAt, now: clock.now() };
      const sentAt = clock.now();
      attempts.set(signalId, { engine, sentAt });
      return { kind: 'go', sentAt };
    },

    async reclaim() {
      // One process, one consumer: nobody else can have left anything behind.
      return [];
    },

    async depth() {
      return waiting.length;
    },

    interrupt() {
      for (const waiter of waiters.splice(0)) waiter.giveUp();
    },

    async close() {
      closed = true;
      for (const waiter of waiters.splice(0)) waiter.giveUp();
    },
  };
}

/** Whether `queue` is the in-process queue, with its own position ledger. */
export function isMemoryQueue(queue: SignalQueue): queue is MemoryQueue {
  return queue.kind === 'memory' && 'positions' in queue;
}
