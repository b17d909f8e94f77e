/**
 * The fake bridge's order book: which orders are in progress, which were placed, the highest
 * leader epoch seen, and what a bridge answers from that. Kept apart from the HTTP side
 * (`fakeBridge.ts`) so that the rules read in one place; the behaviours themselves are listed in
 * that file's header.
 */

/**
 * How the bridge treats a repeated `Idempotency-Key`:
 * - `ietf`: as the IETF Idempotency-Key draft says: a repeat (or a lookup) while the first request
 *   is still in progress gets 409; a repeat after placement gets the first report;
 * - `naive`: the key is only checked against placed orders, as a bridge does that writes its
 *   idempotency record once the broker confirmed: a repeat while the first is in progress places a
 *   second order, and a lookup answers 404 until the order is placed.
 */
export type IdempotencyBehaviour = 'ietf' | 'naive';

/** One order the bridge actually placed (a naive double placement is two of these). */
export interface Placement {
  /** The key the bridge keeps the order by: the Idempotency-Key, else the body's `signal_id`. */
  readonly signalId: string;
  readonly orderId: string;
  /** The `X-Leader-Epoch` of the request that placed it, or null without one. */
  readonly epoch: number | null;
  /** The `Authorization` header of the request that placed it. */
  readonly authorization: string | undefined;
  /** Index in the bridge's `requests` of the request that placed it. */
  readonly requestIndex: number;
  /** `Date.now()` when it was placed. */
  readonly placedAt: number;
}

/** What the book says about an arriving order. */
export type Admission =
  /** New to the bridge (or a naive repeat of an order still in progress): place it. */
  | { readonly kind: 'place' }
  /** Placed before: answer the first report, place nothing. */
  | { readonly kind: 'repeat'; readonly report: unknown }
  /** `ietf` and the first request is still in progress: 409, place nothing. */
  | { readonly kind: 'in_progress' };

/** What a lookup (`GET /orders/{id}`) answers. */
export type LookupAnswer = { readonly kind: 'placed'; readonly report: unknown } | { readonly kind: 'in_progress' } | { readonly kind: 'unknown' };

/** The request an order came with, as far as a placement remembers it. */
export interface OrderRequest {
  readonly key: string;
  readonly body: unknown;
  readonly epoch: number | null;
  readonly authorization: string | undefined;
  readonly requestIndex: number;
}

/** The order book of one fake bridge. */
export class FakeOrderBook {
  idempotency: IdempotencyBehaviour;
  /** The first report of every placed order, by key. */
  readonly executed = new Map<string, unknown>();
  readonly placements: Placement[] = [];
  /** Orders in progress by key: how many (more than one only for naive repeats). */
  readonly #inProgress = new Map<string, number>();
  readonly #placing = new Set<NodeJS.Timeout>();
  readonly #waiters = new Set<(placement: Placement) => void>();
  #highestEpoch: number | null = null;
  #orderCount = 0;

  constructor(idempotency: IdempotencyBehaviour) {
    this.idempotency = idempotency;
  }

  /** The highest `X-Leader-Epoch` any request carried so far; null before the first. */
  get highestEpoch(): number | null {
    return this.#highestEpoch;
  }

  /** Keys with an order in progress, once per order. */
  inProgress(): string[] {
    return [...this.#inProgress].flatMap(([key, count]) => Array.from({ length: count }, () => key));
  }

  /** Remembers the epoch of a request of any kind: the fence only ever rises. */
  seeEpoch(epoch: number | null): void {
    if (epoch !== null && (this.#highestEpoch === null || epoch > this.#highestEpoch)) this.#highestEpoch = epoch;
  }

  /** Whether a fencing bridge refuses an order with this epoch: lower than the highest seen, or none while a fence is set. */
  isStale(epoch: number | null): boolean {
    return this.#highestEpoch !== null && (epoch === null || epoch < this.#highestEpoch);
  }

  /** What to do with an order arriving for `key`; decided on arrival, as a bridge's store would. */
  admit(key: string): Admission {
    const report = this.executed.get(key);
    if (report !== undefined) return { kind: 'repeat', report };
    if (this.idempotency === 'ietf' && this.#inProgress.has(key)) return { kind: 'in_progress' };
    return { kind: 'place' };
  }

  /** What a lookup of `key` answers now. */
  lookup(key: string): LookupAnswer {
    const report = this.executed.get(key);
    if (report !== undefined) return { kind: 'placed', report };
    // A naive bridge only knows an order once it is placed: it breaks the contract's 404 promise.
    if (this.idempotency === 'ietf' && this.#inProgress.has(key)) return { kind: 'in_progress' };
    return { kind: 'unknown' };
  }

  /**
   * Starts placing an order: in progress from now, placed `ms` later (at once for 0), then `placed`
   * is called with the report this request gets. The timer is not cancelled by a bridge that goes
   * down or closes: the order was handed on, only its answer is lost.
   */
  place(order: OrderRequest, ms: number, placed: (report: unknown) => void): void {
    this.#inProgress.set(order.key, (this.#inProgress.get(order.key) ?? 0) + 1);
    if (ms <= 0) {
      placed(this.#complete(order));
      return;
    }
    const timer = setTimeout(() => {
      this.#placing.delete(timer);
      placed(this.#complete(order));
    }, ms);
    this.#placing.add(timer);
  }

  /** Lets the process exit with placements still due (after the bridge closed); they still place if it lives. */
  unrefPlacing(): void {
    for (const timer of this.#placing) timer.unref();
  }

  /** Resolves with the first placement of `key`, at once when it was placed already. */
  whenPlaced(key: string): Promise<Placement> {
    const earlier = this.placements.find((placement) => placement.signalId === key);
    if (earlier !== undefined) return Promise.resolve(earlier);
    return new Promise((resolve) => {
      const waiter = (placement: Placement): void => {
        if (placement.signalId !== key) return;
        this.#waiters.delete(waiter);
        resolve(placement);
      };
      this.#waiters.add(waiter);
    });
  }

  #complete(order: OrderRequest): unknown {
    const left = (this.#inProgress.get(order.key) ?? 1) - 1;
    if (left > 0) this.#inProgress.set(order.key, left);
    else this.#inProgress.delete(order.key);
    this.#orderCount += 1;
    const orderId = `fake-${this.#orderCount}`;
    const { body } = order;
    const symbol = typeof body === 'object' && body !== null && 'symbol' in body ? body.symbol : null;
    const report = { order_id: orderId, signal_id: order.key, symbol, status: 'filled' };
    // A naive double keeps the first report for lookups and repeats; the second request gets its own.
    if (!this.executed.has(order.key)) this.executed.set(order.key, report);
    const placement: Placement = {
      signalId: order.key,
      orderId,
      epoch: order.epoch,
      authorization: order.authorization,
      requestIndex: order.requestIndex,
      placedAt: Date.now(),
    };
    this.placements.push(placement);
    for (const waiter of [...this.#waiters]) waiter(placement);
    return report;
  }
}
