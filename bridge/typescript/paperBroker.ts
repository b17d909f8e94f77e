/**
 * A paper broker for the example bridge: every order fills in full after `fillMs` (the time a
 * real broker takes to confirm) at its limit or stop price, or at a made-up 100 for a market
 * order: there is no market data here. Fills are appended to a JSON-lines file and fsync'd, so
 * the broker remembers them across a restart as a real broker would, and its lookup can tell a
 * restarted bridge the truth about an order that was in progress when it crashed.
 */
import { appendFile, mkdir, open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as wait } from 'node:timers/promises';
import type { Signal } from '../../src/signals/signal.js';
import type { LookupResult } from './resolver.js';

/** A paper fill: the report the bridge answers. */
export interface PaperFill {
  readonly order_id: string;
  readonly signal_id: string;
  readonly symbol: string;
  readonly action: string;
  readonly status: 'filled';
  readonly filled_quantity: number | null;
  readonly notional: number | null;
  readonly average_price: number;
  readonly filled_at: string;
  readonly engine: 'paper';
}

export class PaperBroker {
  readonly #file: string;
  readonly #fillMs: number;
  readonly #fills: Map<string, PaperFill>;

  private constructor(file: string, fillMs: number, fills: Map<string, PaperFill>) {
    this.#file = file;
    this.#fillMs = fillMs;
    this.#fills = fills;
  }

  /** Opens the broker's fills file (created when missing). */
  static async open(file: string, fillMs: number): Promise<PaperBroker> {
    await mkdir(path.dirname(file), { recursive: true });
    const fills = new Map<string, PaperFill>();
    const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return '';
      throw new Error(`cannot read the paper fills ${file}`, { cause: error });
    });
    // A line cut short by a crash is a fill never confirmed: dropped.
    for (const line of text.split('\n').slice(0, -1)) {
      const fill = JSON.parse(line) as PaperFill;
      fills.set(fill.signal_id, fill);
    }
    return new PaperBroker(file, fillMs, fills);
  }

  /** Places a paper order: it fills after `fillMs`. */
  async placeOrder(signal: Signal): Promise<PaperFill> {
    if (this.#fillMs > 0) await wait(this.#fillMs);
    const fill: PaperFill = {
      order_id: `paper-${this.#fills.size + 1}`,
      signal_id: signal.signal_id,
      symbol: signal.symbol,
      action: signal.action,
      status: 'filled',
      filled_quantity: signal.quantity ?? null,
      notional: signal.notional ?? null,
      average_price: signal.limit_price ?? signal.stop_price ?? 100,
      filled_at: new Date().toISOString(),
      engine: 'paper',
    };
    await appendFile(this.#file, `${JSON.stringify(fill)}\n`);
    const handle = await open(this.#file, 'r+');
    try {
      await handle.datasync();
    } finally {
      await handle.close();
    }
    this.#fills.set(fill.signal_id, fill);
    return fill;
  }

  /** What became of the order with this signal id: the broker's own record is the truth. */
  lookupOrder(key: string): Promise<LookupResult> {
    const fill = this.#fills.get(key);
    // Nothing is ever in flight at this broker after a restart, so "no fill" is "never placed".
    return Promise.resolve(fill === undefined ? { kind: 'not_placed' } : { kind: 'placed', report: fill });
  }
}
