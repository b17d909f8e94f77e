/**
 * The arguments of the two per-signal scripts for a batch (`src/redis/scripts/beginAttempt.lua`,
 * `settleSignal.lua`), in the layout their headers name. One place builds them, so the service and
 * the benchmark's recording baseline (a′) cannot drift apart.
 *
 * The items of a batch go as one JSON array, not as arguments of their own: the Redis client frames
 * each argument separately, and at about thirty arguments per signal that framing cost more Node.js
 * CPU than everything else the records do (issue 10). The per-signal keys are built by the scripts
 * from `SIGNAL_QUEUE` and the signal id for the same reason.
 */
import { positionField } from './keys.js';
import { EVENT_STREAM_OUTCOMES, OUTCOME_FIELD_NAMES, pushOutcomeFieldValues, type Outcome } from './outcome.js';
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

/** A script's keys, then its arguments (its number of keys is in its header). */
export interface ScriptCall {
  readonly keysThenArgs: (string | number | Buffer)[];
}

// Lone UTF-16 surrogates: the Redis client sends each as U+FFFD, but JSON escapes it as `\udXXX`,
// which the scripts' JSON decoder refuses.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function wellFormed(value: string | number): string | number {
  return typeof value === 'string' ? value.replace(LONE_SURROGATE, '\ufffd') : value;
}

/**
 * `items` as JSON whose strings decode to the very bytes the Redis client would have sent for
 * them as arguments. The check is for the escape's text, so a rare false alarm (a value holding a
 * backslash and `ud`) only takes the slower way to the same answer.
 */
function itemsJson(items: (string | number)[]): string {
  const json = JSON.stringify(items);
  return json.includes('\\ud') ? JSON.stringify(items.map(wellFormed)) : json;
}

/**
 * Puts an entry into `items`: its text, or for bytes (a list item that is not UTF-8 text, which
 * JSON cannot carry) the index of the argument after `args` that holds them.
 */
function pushEntry(items: (string | number)[], entries: Buffer[], firstEntryArg: number, ref: string | Buffer): void {
  if (typeof ref === 'string') {
    items.push(ref);
  } else {
    items.push(firstEntryArg + entries.length);
    entries.push(ref);
  }
}

/** The beginAttempt script's call for `items`. */
export function beginAttemptCall(scope: RecordScope, items: readonly AttemptCallItem[]): ScriptCall {
  const { queueName, dedupTtlMs } = scope.destinations;
  const packed: (string | number)[] = [];
  const entries: Buffer[] = [];
  // ARGV[7] is the JSON; the byte entries follow it.
  const firstEntryArg = 8;
  for (const item of items) {
    packed.push(item.ref.kind);
    pushEntry(packed, entries, firstEntryArg, item.ref.ref);
    packed.push(item.signalId, item.engine, item.first ? '1' : '0');
  }
  return {
    keysThenArgs: [
      scope.fence.leaseKey,
      scope.queueKey,
      scope.fence.token,
      scope.group,
      scope.consumer,
      scope.fence.epoch,
      dedupTtlMs,
      queueName,
      itemsJson(packed),
      ...entries,
    ],
  };
}

/**
 * The settleSignal script's call for `items`. The field names go once per call: each item's values
 * are a prefix of {@link OUTCOME_FIELD_NAMES}, so it sends only how many it has.
 */
export function settleSignalCall(scope: RecordScope, items: readonly SettleCallItem[]): ScriptCall {
  const { queueName, dedupTtlMs, eventsStream, deadLetterStream, outcomeMaxLen } = scope.destinations;
  const dedupTtl = String(dedupTtlMs);
  const packed: (string | number)[] = [];
  const entries: Buffer[] = [];
  // ARGV[7 + m] is the JSON (m field names before it); the byte entries follow it.
  const firstEntryArg = 8 + OUTCOME_FIELD_NAMES.length;
  for (const { ref, outcome, clearsAttempt } of items) {
    const executed = outcome.outcome === 'executed';
    const change = executed ? outcome.positionChange : undefined;
    packed.push(ref.kind);
    pushEntry(packed, entries, firstEntryArg, ref.ref);
    packed.push(
      EVENT_STREAM_OUTCOMES.has(outcome.outcome) ? 'events' : 'dead_letter',
      outcome.signalId,
      executed ? dedupTtl : '',
      clearsAttempt && outcome.signalId !== '' ? '1' : '0',
    );
    if (change === undefined) packed.push('', '', '');
    else packed.push(change.engine, positionField(change.strategyId, change.symbol), String(change.amount));
    // The count goes before the values: its slot is filled once they are in.
    const countAt = packed.length;
    packed.push(0);
    packed[countAt] = pushOutcomeFieldValues(packed, outcome);
  }
  return {
    keysThenArgs: [
      scope.fence.leaseKey,
      scope.queueKey,
      eventsStream,
      deadLetterStream,
      scope.fence.token,
      scope.group,
      scope.consumer,
      outcomeMaxLen ?? '',
      queueName,
      OUTCOME_FIELD_NAMES.length,
      ...OUTCOME_FIELD_NAMES,
      itemsJson(packed),
      ...entries,
    ],
  };
}
