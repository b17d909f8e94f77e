/** The demo's steady stream of made-up signals. */

const SYMBOLS = ['AAPL', 'MSFT', 'NVDA', 'TSLA', 'SPY', 'QQQ', 'AMZN', 'META'] as const;

/** Makes signal JSON texts with unique ids; `random` is injectable for tests. */
export function createSignalFactory(options: { prefix?: string; random?: () => number; now?: () => number } = {}) {
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const prefix = options.prefix ?? `demo-${now().toString(36)}`;
  let sequence = 0;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  return function nextSignal(): string {
    sequence++;
    const symbol = pick(SYMBOLS);
    const limit = random() < 0.5;
    const price = Math.round((50 + random() * 400) * 100) / 100;
    return JSON.stringify({
      signal_id: `${prefix}-${String(sequence).padStart(6, '0')}`,
      symbol,
      action: pick(['BUY', 'SELL'] as const),
      quantity: 1 + Math.floor(random() * 100),
      order_type: limit ? 'LIMIT' : 'MARKET',
      limit_price: limit ? price : null,
      strategy_id: 'demo',
      timestamp: new Date(now()).toISOString(),
      expires_at: new Date(now() + 5 * 60_000).toISOString(),
    });
  };
}

/** Calls `push` with a new signal every `intervalMs` until stopped. */
export function startGenerator(options: { intervalMs: number; push: (raw: string) => Promise<unknown> | void; onError: (error: unknown) => void }): {
  stop(): void;
} {
  const nextSignal = createSignalFactory();
  const timer = setInterval(() => {
    Promise.resolve(options.push(nextSignal())).catch(options.onError);
  }, options.intervalMs);
  return { stop: () => clearInterval(timer) };
}
