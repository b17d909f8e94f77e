/**
 * Settling the orders in doubt: keys in progress in the store that no `placeOrder` of this process
 * is working on. They are a crash's leftovers (found at start) or orders whose engine call ended
 * without saying whether it placed them. Forgetting one would break the protocol's 404 promise
 * (the service would place the signal elsewhere while the engine may have it), so each stays in
 * progress, answered 409, until the engine's lookup says placed (its report from then on) or not
 * placed (forgotten: a repeat may place it), or a person settles it.
 */
import type { IdempotencyStore } from './store.js';

/** What the engine says about an order, asked by its key. */
export type LookupResult =
  | { readonly kind: 'placed'; readonly report: unknown }
  /** The engine promises it has not placed it and never will (the order is unknown to it, or cancelled before any fill). */
  | { readonly kind: 'not_placed' }
  /** The engine cannot tell yet: ask again later. */
  | { readonly kind: 'unknown' };

export interface ResolverOptions {
  readonly store: IdempotencyStore;
  /** Keys this process is placing right now: not in doubt. */
  readonly placing: ReadonlySet<string>;
  readonly lookupOrder: ((key: string, signal: unknown) => Promise<LookupResult>) | undefined;
  readonly everyMs: number;
  readonly log: (message: string, fields?: Record<string, unknown>) => void;
}

export interface Resolver {
  /** How many orders are in doubt now. */
  inDoubt(): number;
  /** One round of lookups over every order in doubt. */
  runOnce(): Promise<void>;
  /** Settles `key` by hand: `report` when it was placed, null when it was not. */
  settle(key: string, report: unknown): Promise<void>;
  stop(): void;
}

/** Starts settling: a round at once, then every `everyMs`. */
export function startResolver(options: ResolverOptions): Resolver {
  const { store, placing, lookupOrder, log } = options;
  const warned = new Set<string>();
  let running: Promise<void> | null = null;

  function inDoubt() {
    return store.inProgress().filter((record) => !placing.has(record.key));
  }

  async function round(): Promise<void> {
    for (const record of inDoubt()) {
      if (record.state !== 'in_progress') continue;
      if (lookupOrder === undefined) {
        if (!warned.has(record.key)) log('an order is in doubt and there is no lookupOrder: reconcile it with the engine, then settle it', { key: record.key });
        warned.add(record.key);
        continue;
      }
      let result: LookupResult;
      try {
        result = await lookupOrder(record.key, record.signal);
      } catch (error) {
        log('the engine lookup failed; asking again later', { key: record.key, error: error instanceof Error ? error.message : String(error) });
        continue;
      }
      // Placed by a repeat meanwhile? Only a record still in progress is settled.
      if (store.get(record.key)?.state !== 'in_progress' || placing.has(record.key)) continue;
      if (result.kind === 'placed') {
        await store.complete(record.key, result.report);
        log('settled an order in doubt: placed', { key: record.key });
      } else if (result.kind === 'not_placed') {
        await store.forget(record.key);
        log('settled an order in doubt: not placed', { key: record.key });
      }
    }
  }

  /** One round at a time: a slow engine lookup must not pile rounds up. */
  function runOnce(): Promise<void> {
    running ??= round()
      .catch((error: unknown) => log('settling orders in doubt failed; trying again later', { error: error instanceof Error ? error.message : String(error) }))
      .finally(() => {
        running = null;
      });
    return running;
  }

  void runOnce();
  const timer = setInterval(() => void runOnce(), options.everyMs);
  // The bridge's server keeps the process alive; this timer alone should not.
  timer.unref();

  return {
    inDoubt: () => inDoubt().length,
    runOnce,
    async settle(key, report) {
      const record = store.get(key);
      if (record?.state !== 'in_progress') throw new Error(`${key} is not in doubt (${record === undefined ? 'unknown' : record.state})`);
      if (report === null) await store.forget(key);
      else await store.complete(key, report);
      log('settled an order in doubt by hand', { key, placed: report !== null });
    },
    stop: () => clearInterval(timer),
  };
}
