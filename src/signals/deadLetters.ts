/**
 * The dead-letter stream as operators work with it (contract section 5): listing its entries a
 * page at a time, and putting signals back on the queue once the cause is fixed. An executed
 * `signal_id` is never sent again (the dedup record), and an `in_doubt` one only when a person says
 * they have reconciled it with the broker.
 */
import type { Redis } from 'ioredis';
import { OUTCOMES, type OutcomeKind } from './outcome.js';
import { dedupKey } from './keys.js';

/** One dead-letter entry as the API shows it. */
export interface DeadLetterEntry {
  readonly id: string;
  readonly signal_id: string;
  readonly outcome: string;
  readonly engine: string;
  readonly attempts: number;
  readonly reason: string;
  readonly signal: string;
  readonly at: string;
}

/** One page of entries, oldest first; `next` is the id to pass as `after` for the next page. */
export interface DeadLetterPage {
  readonly entries: readonly DeadLetterEntry[];
  readonly next: string | null;
}

/** What became of one entry a replay named. */
export type ReplayResult = 'replayed' | 'already_executed' | 'in_doubt_needs_force' | 'not_replayable' | 'not_found';

/** Where the dead letters are and where a replay puts signals back. */
export interface DeadLetterOptions {
  readonly redis: Redis;
  /** `DEAD_LETTER_QUEUE`. */
  readonly stream: string;
  /** `SIGNAL_QUEUE` and its kind: a stream gets the entry with `replay_of`, a list the raw text. */
  readonly queue: string;
  readonly queueKind: 'stream' | 'list';
}

/** The most entries one list request reads through, so that a filter that matches little still answers soon. */
const SCAN_LIMIT = 10_000;

/** A Redis stream id, as `after` must be. */
export const STREAM_ID = /^\d+-\d+$/;

function fieldsOf(values: readonly string[]): Map<string, string> {
  const fields = new Map<string, string>();
  for (let index = 0; index + 1 < values.length; index += 2) fields.set(values[index] ?? '', values[index + 1] ?? '');
  return fields;
}

function entryOf(id: string, values: readonly string[]): DeadLetterEntry {
  const fields = fieldsOf(values);
  return {
    id,
    signal_id: fields.get('signal_id') ?? '',
    outcome: fields.get('outcome') ?? '',
    engine: fields.get('engine') ?? '',
    attempts: Number(fields.get('attempts') ?? '0') || 0,
    reason: fields.get('reason') ?? '',
    signal: fields.get('signal') ?? '',
    at: fields.get('at') ?? '',
  };
}

/** Whether `value` names one of the contract's outcomes. */
export function isOutcome(value: string): value is OutcomeKind {
  return OUTCOMES.some((outcome) => outcome === value);
}

/** The dead-letter operations over Redis. */
export function createDeadLetters(options: DeadLetterOptions) {
  const { redis, stream } = options;
  return {
    /** Entries after `after` (exclusive), oldest first, `count` at most, of one outcome when given. */
    async list(query: { readonly count: number; readonly after?: string; readonly outcome?: OutcomeKind }): Promise<DeadLetterPage> {
      const entries: DeadLetterEntry[] = [];
      let from = query.after === undefined ? '-' : `(${query.after}`;
      let scanned = 0;
      for (;;) {
        const chunk = Math.max(query.count, 100);
        const page = await redis.xrange(stream, from, '+', 'COUNT', chunk);
        for (const [id, values] of page) {
          scanned += 1;
          const entry = entryOf(id, values);
          if (query.outcome === undefined || entry.outcome === query.outcome) entries.push(entry);
          if (entries.length === query.count) {
            // More may follow: the next page starts after this one.
            const more = (await redis.xrange(stream, `(${id}`, '+', 'COUNT', 1)).length > 0;
            return { entries, next: more ? id : null };
          }
          from = `(${id}`;
        }
        if (page.length < chunk) return { entries, next: null };
        // A filter matching little: answer what was found, and where to go on.
        if (scanned >= SCAN_LIMIT) return { entries, next: from.slice(1) };
      }
    },

    /** Puts each entry's signal back on the queue, as far as the rules allow; one result each. */
    async replay(ids: readonly string[], forceInDoubt: boolean): Promise<{ id: string; signal_id: string; result: ReplayResult }[]> {
      const results: { id: string; signal_id: string; result: ReplayResult }[] = [];
      for (const id of ids) {
        const found = STREAM_ID.test(id) ? await redis.xrange(stream, id, id) : [];
        const [hit] = found;
        if (hit === undefined) {
          results.push({ id, signal_id: '', result: 'not_found' });
          continue;
        }
        const entry = entryOf(hit[0], hit[1]);
        const done = (result: ReplayResult) => results.push({ id, signal_id: entry.signal_id, result });
        if (entry.outcome === 'invalid' || entry.signal_id === '') {
          done('not_replayable');
        } else if (entry.outcome === 'in_doubt' && !forceInDoubt) {
          done('in_doubt_needs_force');
        } else if ((await redis.exists(dedupKey(options.queue, entry.signal_id))) === 1) {
          done('already_executed');
        } else {
          if (options.queueKind === 'stream') await redis.xadd(options.queue, '*', 'signal', entry.signal, 'replay_of', id);
          else await redis.lpush(options.queue, entry.signal);
          done('replayed');
        }
      }
      return results;
    },
  };
}

/** The dead-letter operations the HTTP API uses. */
export type DeadLetters = ReturnType<typeof createDeadLetters>;
