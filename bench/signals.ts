/** Benchmark signals and how they are put on a stream before a run. */
import type { Redis } from 'ioredis';

/** The stream entry field the service reads (contract section 3). */
const SIGNAL_FIELD = 'signal';

// One pipeline per this many XADDs: big enough to fill fast, small enough not to hold megabytes.
const FILL_CHUNK = 1000;

/** The symbol of the `index`-th signal: consecutive signals have different symbols. */
function benchSymbol(index: number, symbols: number): string {
  return `SYM${index % symbols}`;
}

/** A valid NAE signal, as a producer would send it; `runId` keeps ids unique across runs. */
export function benchSignal(runId: string, index: number, symbols: number): Record<string, unknown> {
  return {
    signal_id: `${runId}-${index}`,
    symbol: benchSymbol(index, symbols),
    action: index % 2 === 0 ? 'BUY' : 'SELL',
    quantity: 10,
    order_type: 'LIMIT',
    limit_price: 187.5,
    stop_price: null,
    notional: null,
    strategy_id: 'bench',
    timestamp: '2026-11-25T14:30:00Z',
    expires_at: null,
  };
}

/** Appends signals `from` to `to - 1` to `stream` as producers do (XADD, field `signal`), pipelined. */
export async function fillStream(redis: Redis, stream: string, runId: string, from: number, to: number, symbols: number): Promise<void> {
  for (let start = from; start < to; start += FILL_CHUNK) {
    const pipeline = redis.pipeline();
    const end = Math.min(to, start + FILL_CHUNK);
    for (let index = start; index < end; index++) {
      pipeline.xadd(stream, '*', SIGNAL_FIELD, JSON.stringify(benchSignal(runId, index, symbols)));
    }
    const results = await pipeline.exec();
    const failure = results?.find(([error]) => error !== null)?.[0];
    if (failure) throw new Error(`Could not fill the benchmark stream "${stream}"`, { cause: failure });
  }
}
