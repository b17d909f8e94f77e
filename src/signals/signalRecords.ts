/**
 * The Redis side of one signal's life, shared by the stream and the list queue: the attempt record
 * before each send and the settle after it, each checked against the leader term in the same
 * script call (`src/redis/scripts/beginAttempt.lua`, `settleSignal.lua`), which takes every signal
 * that got that far in the same turn of the event loop.
 */
import type { Redis } from 'ioredis';
import { isEngineId } from '../../machines/engines.js';
import { withScripts } from '../redis/commands.js';
import { connectionSession, duplicateConnection, waitForReplicas } from '../service/redisConnection.js';
import type { Outcome } from './outcome.js';
import type { OutcomeDestinations } from './outcomeRecord.js';
import { createBatcher, type BatchAnswer } from './batcher.js';
import { beginAttemptCall, settleSignalCall, type AttemptCallItem, type EntryRef, type RecordScope, type SettleCallItem } from './recordCalls.js';
import type { AttemptRequest, AttemptStart, QueuedSignal, SettleResult, SignalQueue, TermFence } from './queue.js';

export type { EntryRef } from './recordCalls.js';

/** `REDIS_MIN_REPLICAS` and `REDIS_WAIT_TIMEOUT_MS`. */
export interface ReplicaConfirmation {
  readonly minReplicas: number;
  readonly timeoutMs: number;
}

/** Where one queue's entries live, as the scripts address them. */
export interface SignalRecordsOptions {
  readonly redis: Redis;
  readonly kind: 'stream' | 'list';
  /** The key holding the entries in flight: the stream, or the list's processing list. */
  readonly queueKey: string;
  /** The consumer group and consumer (stream only; empty for a list). */
  readonly group: string;
  readonly consumer: string;
  /** How the scripts name an entry (see {@link EntryRef}). */
  readonly entryRef: (entry: QueuedSignal) => EntryRef;
  readonly destinations: OutcomeDestinations;
  readonly fence: TermFence;
  /** Unset or 0 replicas: no `WAIT`. */
  readonly replicas?: ReplicaConfirmation;
}

const SETTLE_RESULTS: readonly SettleResult[] = ['settled', 'already_executed', 'not_leader', 'not_owner'];

function isSettleResult(value: unknown): value is SettleResult {
  return SETTLE_RESULTS.some((result) => result === value);
}

function asText(value: unknown): string {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';
}

/** Reads the beginAttempt script's answer. */
export function attemptStartOf(answer: unknown): AttemptStart {
  const [kind, ...rest] = Array.isArray(answer) ? answer.map(asText) : [asText(answer)];
  if (kind === 'go') return { kind: 'go', sentAt: Number(rest[0]) };
  if (kind === 'executed') return { kind: 'executed' };
  if (kind === 'not_leader' || kind === 'not_owner') return { kind: 'lost', reason: kind };
  if (kind === 'unsettled') {
    const [engine = '', epoch = '0', sentAt = '0', now = '0'] = rest;
    // A record naming no engine this version knows cannot be settled with anyone: it goes as new.
    if (isEngineId(engine)) return { kind: 'unsettled', engine, epoch: Number(epoch), sentAt: Number(sentAt), now: Number(now) };
    return { kind: 'go', sentAt: Number(now) };
  }
  throw new Error(`Unexpected answer from the attempt-record script: ${JSON.stringify(answer)}`);
}

/** A settle answer, or the error Redis gave for that one outcome. */
function settleAnswerOf(answer: unknown): BatchAnswer<SettleResult> {
  if (isSettleResult(answer)) return { ok: true, value: answer };
  if (Array.isArray(answer) && answer[0] === 'error') return { ok: false, error: new Error(String(answer[1])) };
  return { ok: false, error: new Error(`Unexpected answer from the settle script: ${JSON.stringify(answer)}`) };
}

/**
 * `beginAttempt` and `settle` for one queue and term; `close` ends the connection it owns. Calls
 * made in the same turn go to Redis as one script call each way (and one WAIT for the attempts).
 */
export function createSignalRecords(options: SignalRecordsOptions): Pick<SignalQueue, 'beginAttempt' | 'settle'> & { close(): void } {
  const { kind, destinations, entryRef } = options;
  const scope: RecordScope = { queueKey: options.queueKey, group: options.group, consumer: options.consumer, destinations, fence: options.fence };
  const redis = withScripts(options.redis);
  const minReplicas = options.replicas?.minReplicas ?? 0;
  // WAIT must follow the write on its connection, and holds that connection until the replicas
  // answer: on the shared one it would hold up lease renewals and settles behind every attempt.
  const attempts = minReplicas > 0 ? withScripts(duplicateConnection(options.redis)) : redis;
  // Its outages show in the commands that fail; the shared connection logs them once.
  if (attempts !== redis) attempts.on('error', () => {});

  // Queued as the calls' own items: no second object per signal at the flush.
  const beginBatch = createBatcher<AttemptCallItem, AttemptStart>(async (items) => {
    // A reconnect between the records and their WAIT may land on another server: then unconfirmed.
    const session = connectionSession(attempts);
    const call = beginAttemptCall(scope, items);
    let answers: unknown;
    try {
      answers = await attempts.efBeginAttempt(...call.keysThenArgs);
    } catch (error) {
      throw new Error(
        `Could not record the attempts of ${items.length} signal(s) (${items.map(({ signalId, engine }) => `"${signalId}" on ${engine}`).join(', ')})`,
        { cause: error },
      );
    }
    const starts = (Array.isArray(answers) ? answers : []).map(attemptStartOf);
    if (minReplicas > 0 && starts.some((start) => start.kind === 'go')) {
      // One WAIT for the batch: it covers every record before it.
      const replicas = await waitForReplicas(attempts, minReplicas, options.replicas?.timeoutMs ?? 0, { sinceSession: session });
      if (replicas < minReplicas)
        return starts.map((start) => ({ ok: true, value: start.kind === 'go' ? { kind: 'unreplicated', confirmed: replicas } : start }));
    }
    return starts.map((value) => ({ ok: true, value }));
  });

  const settleBatch = createBatcher<SettleCallItem, SettleResult>(async (items) => {
    const call = settleSignalCall(scope, items);
    let answers: unknown;
    try {
      answers = await redis.efSettleSignal(...call.keysThenArgs);
    } catch (error) {
      throw new Error(`Could not record the outcomes of ${items.length} signal(s) (${kind} "${destinations.queueName}")`, { cause: error });
    }
    return (Array.isArray(answers) ? answers : []).map(settleAnswerOf);
  });

  return {
    // `.catch` rather than an async function with try/await: a promise and a frame fewer per call,
    // and these run twice per signal.
    beginAttempt(entry: QueuedSignal, attempt: AttemptRequest): Promise<AttemptStart> {
      return beginBatch({ ref: entryRef(entry), signalId: attempt.signalId, engine: attempt.engine, first: attempt.first }).catch((error: unknown) => {
        throw new Error(`Could not record the attempt of signal "${attempt.signalId}" on ${attempt.engine}`, { cause: error });
      });
    },

    settle(entry: QueuedSignal, outcome: Outcome, settleOptions: { readonly clearsAttempt: boolean }): Promise<SettleResult> {
      return settleBatch({ ref: entryRef(entry), outcome, clearsAttempt: settleOptions.clearsAttempt }).catch((error: unknown) => {
        throw new Error(`Could not record the ${outcome.outcome} outcome of signal "${outcome.signalId}" (${kind} "${destinations.queueName}")`, {
          cause: error,
        });
      });
    },

    close() {
      if (attempts !== redis) attempts.disconnect();
    },
  };
}
