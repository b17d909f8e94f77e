/**
 * The arguments of the two per-signal scripts for a batch (`src/redis/scripts/beginAttempt.lua`,
 * `settleSignal.lua`), in the layout their headers name. One place builds them, so the service and
 * the benchmark's recording baseline (a′) cannot drift apart. Built with plain loops into one array:
 * this runs for every signal, and each argument is one more string for the Redis client to frame.
 */
import { attemptKey, dedupKey, positionField, positionsKey } from './keys.js';
import { EVENT_STREAM_OUTCOMES, OUTCOME_FIELD_NAMES, outcomeFieldValues, type Outcome } from './outcome.js';
import type { OutcomeDestinations } from './outcomeRecord.js';
import type { TermFence } from './queue.js';

/**
 * How the scripts name an entry (`src/redis/scripts/includes/holdsEntry.lua`): a stream entry by
 * its id; a list item by its bytes, or (`list-digest`) one too large to keep by its length and
 * SHA-1, `<length>:<hex>`.
 */
export interface EntryRef {
  readonly kind: 'stream' | 'list' | 'list-digest';
  readonly ref: string | Buffer;
}

/** What every call of one queue and term shares. */
export interface RecordScope {
  /** The key holding the entries in flight: the stream, or the list's processing list. */
  readonly queueKey: string;
  /** The consumer group and consumer (stream only; empty for a list). */
  readonly group: string;
  readonly consumer: string;
  readonly destinations: OutcomeDestinations;
  readonly fence: TermFence;
}

/** One attempt record to write. */
export interface AttemptCallItem {
  readonly ref: EntryRef;
  readonly signalId: string;
  readonly engine: string;
  /** Report an attempt record already there instead of replacing it. */
  readonly first: boolean;
}

/** One outcome to record. */
export interface SettleCallItem {
  readonly ref: EntryRef;
  readonly outcome: Outcome;
  readonly clearsAttempt: boolean;
}

/** A variadic script's number of keys and its keys, then its arguments. */
export interface ScriptCall {
  readonly numberOfKeys: number;
  readonly keysThenArgs: (string | number | Buffer)[];
}

/** The beginAttempt script's call for `items`. */
export function beginAttemptCall(scope: RecordScope, items: readonly AttemptCallItem[]): ScriptCall {
  const { queueName, dedupTtlMs } = scope.destinations;
  const keys: string[] = [scope.fence.leaseKey, scope.queueKey];
  const args: (string | number | Buffer)[] = [scope.fence.token, scope.group, scope.consumer, scope.fence.epoch, dedupTtlMs];
  for (const item of items) {
    keys.push(dedupKey(queueName, item.signalId), attemptKey(queueName, item.signalId));
    args.push(item.ref.kind, item.ref.ref, item.engine, item.first ? '1' : '0');
  }
  return { numberOfKeys: keys.length, keysThenArgs: [...keys, ...args] };
}

/**
 * The settleSignal script's call for `items`. The field names go once per call: each item's values
 * are a prefix of {@link OUTCOME_FIELD_NAMES}, so it sends only how many it has.
 */
export function settleSignalCall(scope: RecordScope, items: readonly SettleCallItem[]): ScriptCall {
  const { queueName, dedupTtlMs, eventsStream, deadLetterStream, outcomeMaxLen } = scope.destinations;
  const keys: string[] = [scope.fence.leaseKey, scope.queueKey];
  const args: (string | number | Buffer)[] = [
    scope.fence.token,
    scope.group,
    scope.consumer,
    outcomeMaxLen ?? '',
    OUTCOME_FIELD_NAMES.length,
    ...OUTCOME_FIELD_NAMES,
  ];
  for (const { ref, outcome, clearsAttempt } of items) {
    const executed = outcome.outcome === 'executed';
    const change = executed ? outcome.positionChange : undefined;
    keys.push(
      EVENT_STREAM_OUTCOMES.has(outcome.outcome) ? eventsStream : deadLetterStream,
      dedupKey(queueName, outcome.signalId),
      attemptKey(queueName, outcome.signalId),
      positionsKey(queueName, outcome.positionChange?.engine ?? outcome.engine ?? 'none'),
    );
    const values = outcomeFieldValues(outcome);
    args.push(
      ref.kind,
      ref.ref,
      executed ? dedupTtlMs : '',
      clearsAttempt && outcome.signalId !== '' ? '1' : '0',
      change === undefined ? '' : positionField(change.strategyId, change.symbol),
      change === undefined ? '' : String(change.amount),
      values.length,
    );
    for (const value of values) args.push(value);
  }
  return { numberOfKeys: keys.length, keysThenArgs: [...keys, ...args] };
}
