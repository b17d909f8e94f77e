/**
 * The idempotency store of a bridge: what it received, by `Idempotency-Key`, and the highest
 * `X-Leader-Epoch` it has seen. The protocol's promises rest on it:
 *
 * - a key is recorded as in progress, durably, BEFORE the engine is called, so a repeat while it
 *   is placed gets 409 and a crash while placing leaves a record behind instead of nothing;
 * - a key that was placed keeps its report, so a repeat gets the same report and places nothing;
 * - a 404 for a lookup is only true if every key received is in the store (or was forgotten
 *   because the engine did not place it);
 * - the highest epoch survives a restart, or a restarted fencing bridge would take an old
 *   leader's late order.
 *
 * `fileStore.ts` keeps it in a JSON-lines file; any other store (a database table) works if it
 * keeps these promises.
 */

/** What the store knows about one key. */
export type OrderRecord =
  /**
   * Received and handed (or about to be handed) to the engine, outcome not known yet. After a
   * crash it stays so until the engine's lookup, or a person, says what became of it.
   */
  | {
      readonly state: 'in_progress';
      readonly key: string;
      /** The signal as received, for the engine's lookup. */
      readonly signal: unknown;
      readonly epoch: number | null;
      /** `Date.now()` when it was received. */
      readonly since: number;
    }
  /** Placed: the report every repeat and lookup gets. */
  | { readonly state: 'placed'; readonly key: string; readonly report: unknown; readonly placedAt: number };

/** The store a bridge keeps; every write resolves once it is durable. */
export interface IdempotencyStore {
  /** The record of `key`, if any. */
  get(key: string): OrderRecord | undefined;
  /**
   * Claims `key` for placing: when no record exists, records it in progress (durably) and
   * answers undefined; otherwise answers the existing record and changes nothing. Claims are
   * atomic: of two concurrent calls for one key, exactly one gets undefined.
   */
  begin(key: string, signal: unknown, epoch: number | null): Promise<OrderRecord | undefined>;
  /** The order of `key` was placed: its report from now on. */
  complete(key: string, report: unknown): Promise<void>;
  /** The order of `key` was not placed and never will be: as if it had never been received. */
  forget(key: string): Promise<void>;
  /** Every record in progress. */
  inProgress(): OrderRecord[];
  /** The highest epoch seen, or null before the first. */
  highestEpoch(): number | null;
  /** Raises the highest epoch to `epoch` if it is higher; resolves once that is durable. */
  raiseEpoch(epoch: number): Promise<void>;
  close(): Promise<void>;
}
