/**
 * The example bridge: the kit around a paper broker, as a process. Run it with
 *
 *     npx tsx bridge/typescript/example.ts
 *
 * and point an engine URL at it (ENGINE_LEAN_SELF_HOSTED_URL=http://127.0.0.1:8081). Settings
 * (environment): HOST (127.0.0.1), PORT (8081; 0 for any free one), BRIDGE_STORE (the idempotency
 * store, ./bridge-data/store.jsonl), PAPER_FILLS (the broker's fills, beside the store),
 * PAPER_FILL_MS (how long a fill takes, 50), BRIDGE_FENCING (true). It logs JSON lines on stdout,
 * the first that counts being {"msg": "listening", "url": …}.
 *
 * For a real engine, replace the PaperBroker with the engine's order call and lookup; README.md.
 */
import path from 'node:path';
import { serve } from '@hono/node-server';
import { createBridge } from './bridge.js';
import { openFileStore } from './fileStore.js';
import { PaperBroker } from './paperBroker.js';

function log(msg: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ at: new Date().toISOString(), msg, ...fields })}\n`);
}

function setting(name: string, fallback: string): string {
  const value = process.env[name];
  return value === undefined || value === '' ? fallback : value;
}

function whole(name: string, fallback: number): number {
  const text = setting(name, String(fallback));
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${name} must be a whole number ≥ 0, got "${text}"`);
  return value;
}

const storeFile = path.resolve(setting('BRIDGE_STORE', 'bridge-data/store.jsonl'));
const store = await openFileStore(storeFile);
const broker = await PaperBroker.open(
  path.resolve(setting('PAPER_FILLS', path.join(path.dirname(storeFile), 'paper-fills.jsonl'))),
  whole('PAPER_FILL_MS', 50),
);
// Only for the kit's crash test: dies after the broker filled, before the bridge recorded it.
const crashAfterFill = process.env.PAPER_CRASH_AFTER_FILL === '1';

const bridge = createBridge({
  store,
  fencing: setting('BRIDGE_FENCING', 'true') !== 'false',
  async placeOrder(signal) {
    const fill = await broker.placeOrder(signal);
    if (crashAfterFill) process.kill(process.pid, 'SIGKILL');
    return fill;
  },
  lookupOrder: (key) => broker.lookupOrder(key),
  log,
});

const server = serve({ fetch: bridge.app.fetch, hostname: setting('HOST', '127.0.0.1'), port: whole('PORT', 8081) }, (info) => {
  log('listening', { url: `http://${info.address}:${info.port}`, store: storeFile, in_doubt: store.inProgress().length });
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    bridge.stop();
    server.close(() => void store.close().then(() => process.exit(0)));
  });
}
