/**
 * The Redis side of one signal's life, shared by the stream and the list queue: the attempt record
 * before each send and the settle after it, each one script call checked against the leader term
 * (`src/redis/scripts/beginAttempt.lua`, `settleSignal.lua`).
 */
import type { Redis } from 'ioredis';
import { isEngineId } from '../../machines/engines.js';
import { withScripts } from '../redis/commands.js';
import { connectionSession, waitForReplicas } from '../service/redisConnection.js';
import { attemptKey, dedupKey } from './keys.js';
import { EVENT_STREAM_OUTCOMES, outcomeFields, type Outcome } from './outcome.js';
import type { OutcomeDestinations } from './outcomeRecord.js';
import type { AttemptRequest, AttemptStart, QueuedSignal, SettleResult, SignalQueue, TermFence } from './queue.js';

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

/**
 * How the scripts name an entry (`src/redis/scripts/includes/holdsEntry.lua`): a stream entry by
 * its id; a list item by its bytes, or (`list-digest`) one too large to keep by its length and
 * SHA-1, `<length>:<hex>`.
 */
export interface EntryRef {
  readonly kind: 'stream' | 'list' | 'list-digest';
  readonly ref: string | Buffer;
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

/** `beginAttempt` and `settle` for one queue and term; `close` ends the connection it owns. */
export function createSignalRecords(options: SignalRecordsOptions): Pick<SignalQueue, 'beginAttempt' | 'settle'> & { close(): void } {
  const { kind, queueKey, group, consumer, destinations, fence, entryRef } = options;
  const redis = withScripts(options.redis);
  const minReplicas = options.replicas?.minReplicas ?? 0;
  // WAIT must follow the write on its connection, and holds that connection until the replicas
  // answer: on the shared one it would hold up lease renewals and settles behind every attempt.
  const attempts = minReplicas > 0 ? withScripts(options.redis.duplicate()) : redis;
  // Its outages show in the commands that fail; the shared connection logs them once.
  if (attempts !== redis) attempts.on('error', () => {});

  /** WAIT covers every write this connection made before it, the attempt record included. */
  async function confirmed(sinceSession: number): Promise<number> {
    return waitForReplicas(attempts, minReplicas, options.replicas?.timeoutMs ?? 0, { sinceSession });
  }

  return {
    async beginAttempt(entry: QueuedSignal, attempt: AttemptRequest): Promise<AttemptStart> {
      let start: AttemptStart;
      // A reconnect between the record and its WAIT may land on another server: then unconfirmed.
      const session = connectionSession(attempts);
      const named = entryRef(entry);
      try {
        start = attemptStartOf(
          await attempts.efBeginAttempt(
            fence.leaseKey,
            queueKey,
            dedupKey(destinations.queueName, attempt.signalId),
            attemptKey(destinations.queueName, attempt.signalId),
            fence.token,
            named.kind,
            group,
            consumer,
            named.ref,
            attempt.engine,
            fence.epoch,
            destinations.dedupTtlMs,
            attempt.first ? '1' : '0',
          ),
        );
        if (start.kind === 'go' && minReplicas > 0) {
          const replicas = await confirmed(session);
          if (replicas < minReplicas) return { kind: 'unreplicated', confirmed: replicas };
        }
      } catch (error) {
        throw new Error(`Could not record the attempt of signal "${attempt.signalId}" on ${attempt.engine}`, { cause: error });
      }
      return start;
    },

    async settle(entry: QueuedSignal, outcome: Outcome, settleOptions: { readonly clearsAttempt: boolean }): Promise<SettleResult> {
      const outcomeStream = EVENT_STREAM_OUTCOMES.has(outcome.outcome) ? destinations.eventsStream : destinations.deadLetterStream;
      const named = entryRef(entry);
      let answer: unknown;
      try {
        answer = await redis.efSettleSignal(
          fence.leaseKey,
          queueKey,
          outcomeStream,
          dedupKey(destinations.queueName, outcome.signalId),
          attemptKey(destinations.queueName, outcome.signalId),
          fence.token,
          named.kind,
          group,
          consumer,
          named.ref,
          outcome.outcome === 'executed' ? destinations.dedupTtlMs : '',
          settleOptions.clearsAttempt && outcome.signalId !== '' ? '1' : '0',
          ...Object.entries(outcomeFields(outcome)).flat(),
        );
      } catch (error) {
        throw new Error(`Could not record the ${outcome.outcome} outcome of signal "${outcome.signalId}" (${kind} "${destinations.queueName}")`, { cause: error });
      }
      if (isSettleResult(answer)) return answer;
      throw new Error(`Unexpected answer from the settle script: ${JSON.stringify(answer)}`);
    },

    close() {
      if (attempts !== redis) attempts.disconnect();
    },
  };
}
