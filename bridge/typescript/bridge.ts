/**
 * The reference engine bridge in TypeScript: the protocol of bridge/openapi.yaml (contract
 * sections 4 and 7) on hono, around two functions an integrator writes for their engine:
 * `placeOrder` (the engine's own order call) and, optionally, `lookupOrder` (asking the engine
 * whether it placed an order). The idempotency and fencing are the kit's; see README.md here.
 *
 * How an order goes: its epoch is remembered (durably) and checked against the fence; the signal
 * is validated; the store is asked about its key (placed: the same report; in progress: 409); the
 * key is recorded in progress, durably; only then is `placeOrder` called. Its answer decides:
 * a report: placed (200); {@link OrderRejectedError}: not placed, 422; {@link EngineUnavailableError}:
 * not placed, 503; anything else (a timeout, a lost connection to the engine): the outcome is
 * unknown, so the key stays in progress, answered 409 (never 5xx, which would tell the service
 * "not placed" and have it sent to another engine), until `lookupOrder` or a person settles it.
 */
import { Hono, type Context } from 'hono';
import { parseSignal, type Signal } from '../../src/signals/signal.js';
import { startResolver, type LookupResult } from './resolver.js';
import type { IdempotencyStore, OrderRecord } from './store.js';

export type { LookupResult } from './resolver.js';

/** The engine refused the order: nothing was placed, the signal is at fault (answered 422). */
export class OrderRejectedError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'OrderRejectedError';
  }
}

/** The engine could not be reached, and the order certainly did not reach it (answered 503). */
export class EngineUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'EngineUnavailableError';
  }
}

/** Who sent an order, for the engine call. */
export interface OrderContext {
  /** The Idempotency-Key (the signal id): use it as the engine's client order id where it has one. */
  readonly key: string;
  readonly epoch: number | null;
}

/** What the integrator provides. */
export interface BridgeOptions {
  /**
   * Places the order with the engine; resolves with the execution report (a JSON object) once the
   * engine confirmed it. Throw {@link OrderRejectedError} or {@link EngineUnavailableError} only
   * when the engine certainly did not place it; any other error means "may have been placed".
   */
  readonly placeOrder: (signal: Signal, context: OrderContext) => Promise<unknown>;
  /**
   * Asks the engine what became of an order whose outcome is unknown (a crash while placing, an
   * error from `placeOrder`). Answer `not_placed` only when the engine can promise it will never
   * place it. Without it, such orders stay 409 until settled with {@link Bridge.settle}.
   */
  readonly lookupOrder?: (key: string, signal: unknown) => Promise<LookupResult>;
  readonly store: IdempotencyStore;
  /** Refuse orders with an epoch below the highest seen (contract section 7); default true. */
  readonly fencing?: boolean;
  /** Whether the engine can take orders, for `GET /health`; default: always. */
  health?(): Promise<boolean>;
  /** How often unknown outcomes are asked about again; default 5000 ms. */
  readonly resolveEveryMs?: number;
  /** Where the kit says what it did; default: nowhere. */
  readonly log?: (message: string, fields?: Record<string, unknown>) => void;
}

/** A bridge: its HTTP app and its controls. */
export interface Bridge {
  /** The protocol's routes; serve it with `@hono/node-server` (see example.ts). */
  readonly app: Hono;
  /** Settles an order in doubt by hand (after reconciling with the engine): its report, or null when it was not placed. */
  settle(key: string, report: unknown): Promise<void>;
  /** Asks `lookupOrder` about every order in doubt now; resolves when done. */
  resolveNow(): Promise<void>;
  /** Stops asking; does not close the store. */
  stop(): void;
}

/** Signals larger than this are refused unread: the service never sends one over 64 KiB. */
const MAX_BODY_BYTES = 64 * 1024 + 1024;

/** The `X-Leader-Epoch` as a whole number, or null when absent or not one (treated as absent). */
function epochOf(c: Context): number | null {
  const text = c.req.header('x-leader-epoch');
  if (text === undefined || !/^\s*\d+\s*$/.test(text)) return null;
  const epoch = Number(text);
  return Number.isSafeInteger(epoch) ? epoch : null;
}

/** A report as the engine gave it: any JSON value, not only the objects `c.json` is typed for. */
function report200(report: unknown): Response {
  return new Response(JSON.stringify(report), { status: 200, headers: { 'Content-Type': 'application/json' } });
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Creates a bridge; it starts settling the orders in doubt that the store holds (a crash's leftovers) at once. */
export function createBridge(options: BridgeOptions): Bridge {
  const { store, placeOrder } = options;
  const fencing = options.fencing ?? true;
  const log = options.log ?? (() => undefined);
  // Keys whose placeOrder is running in this process: in progress, but not in doubt.
  const placing = new Set<string>();
  const resolver = startResolver({ store, placing, lookupOrder: options.lookupOrder, everyMs: options.resolveEveryMs ?? 5000, log });
  const app = new Hono();

  /** Remembers the request's epoch (every request raises the fence); answers it. */
  async function see(c: Context): Promise<number | null> {
    const epoch = epochOf(c);
    if (epoch !== null) await store.raiseEpoch(epoch);
    return epoch;
  }

  function answerRecord(c: Context, record: OrderRecord): Response {
    if (record.state === 'placed') return report200(record.report);
    return c.json({ error: 'in_progress', detail: `an order for ${record.key} is in progress; its outcome is not known yet` }, 409);
  }

  app.post('/orders', async (c) => {
    const epoch = await see(c);
    const highest = store.highestEpoch();
    if (fencing && highest !== null && (epoch === null || epoch < highest)) {
      log('refused a stale order', { epoch, highest });
      return c.json({ error: 'stale_epoch', epoch: highest }, 409);
    }
    const key = c.req.header('idempotency-key');
    if (key === undefined || key === '') return c.json({ error: 'the Idempotency-Key header is required' }, 400);
    if (Number(c.req.header('content-length') ?? 0) > MAX_BODY_BYTES) return c.json({ error: 'the signal is larger than 64 KiB' }, 413);
    const parsed = parseSignal(await c.req.text());
    if (!parsed.ok) return c.json({ error: parsed.reason }, 422);
    const { signal } = parsed;
    if (signal.signal_id !== key) return c.json({ error: `the Idempotency-Key (${key}) differs from the signal_id (${signal.signal_id})` }, 400);

    let existing: OrderRecord | undefined;
    try {
      existing = await store.begin(key, signal, epoch);
    } catch (error) {
      log('could not record an order; not placed', { key, error: errorText(error) });
      return c.json({ error: `the bridge could not record the order, so it did not place it: ${errorText(error)}` }, 503);
    }
    if (existing !== undefined) return answerRecord(c, existing);

    placing.add(key);
    try {
      const report = await placeOrder(signal, { key, epoch });
      try {
        await store.complete(key, report);
      } catch (error) {
        // Placed all the same: the record stays in progress on disk, and a restart settles it by lookup.
        log('placed, but could not record the report', { key, error: errorText(error) });
      }
      return report200(report);
    } catch (error) {
      if (error instanceof OrderRejectedError || error instanceof EngineUnavailableError) {
        await store.forget(key).catch((forgetError: unknown) => log('could not forget a refused order', { key, error: errorText(forgetError) }));
        const status = error instanceof OrderRejectedError ? 422 : 503;
        return c.json({ error: error.message }, status);
      }
      log('the engine did not say whether it placed an order: in doubt until its lookup settles it', { key, error: errorText(error) });
      return c.json({ error: 'in_progress', detail: `the outcome of ${key} is not known yet: ${errorText(error)}` }, 409);
    } finally {
      placing.delete(key);
    }
  });

  app.get('/orders/:id', async (c) => {
    await see(c);
    const record = store.get(c.req.param('id'));
    if (record === undefined) return c.json({ error: `no order for ${c.req.param('id')}` }, 404);
    return answerRecord(c, record);
  });

  app.get('/health', async (c) => {
    await see(c);
    const healthy = options.health === undefined ? true : await options.health().catch(() => false);
    const body = { status: healthy ? 'ok' : 'unavailable', fencing, highest_epoch: store.highestEpoch(), in_doubt: resolver.inDoubt() };
    return c.json(body, healthy ? 200 : 503);
  });

  app.notFound((c) => c.json({ error: `no route ${c.req.method} ${c.req.path}` }, 404));
  app.onError((error, c) => {
    log('unexpected error', { error: errorText(error) });
    return c.json({ error: errorText(error) }, 500);
  });

  return {
    app,
    settle: (key, report) => resolver.settle(key, report),
    resolveNow: () => resolver.runOnce(),
    stop: () => resolver.stop(),
  };
}
