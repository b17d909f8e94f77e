/**
 * The TypeScript bridge kit's own promises, in-process (the app through `app.request()`, the store
 * on a real temp file): the store survives a reopen and a torn last line, refuses a corrupt one,
 * and the bridge never forgets an order in doubt: 409 until the engine's lookup or a person
 * settles it. The kit as a process, against bridge-check and a kill -9, is referenceBridges.test.ts.
 */
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createBridge,
  EngineUnavailableError,
  OrderRejectedError,
  type Bridge,
  type BridgeOptions,
  type LookupResult,
} from '../../bridge/typescript/bridge.js';
import { openFileStore } from '../../bridge/typescript/fileStore.js';
import type { IdempotencyStore } from '../../bridge/typescript/store.js';
import type { Signal } from '../../src/signals/signal.js';

let dir: string;
let file: string;
const open: { store: IdempotencyStore; bridge?: Bridge }[] = [];

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'bridge-kit-'));
  file = path.join(dir, 'store.jsonl');
});

afterEach(async () => {
  for (const { store, bridge } of open.splice(0)) {
    bridge?.stop();
    await store.close();
  }
  await rm(dir, { recursive: true, force: true });
});

async function store(options?: Parameters<typeof openFileStore>[1]): Promise<IdempotencyStore> {
  const opened = await openFileStore(file, options);
  open.push({ store: opened });
  return opened;
}

async function reopen(previous: IdempotencyStore): Promise<IdempotencyStore> {
  await previous.close();
  const index = open.findIndex((entry) => entry.store === previous);
  open.splice(index, 1);
  return store();
}

function signal(id: string): Signal {
  return { signal_id: id, symbol: 'AAPL', action: 'BUY', quantity: 1, order_type: 'MARKET' };
}

async function bridgeOn(backing: IdempotencyStore, options: Partial<BridgeOptions>): Promise<Bridge> {
  const bridge = createBridge({ store: backing, placeOrder: () => Promise.reject(new Error('not expected')), resolveEveryMs: 60_000, ...options });
  const entry = open.find((candidate) => candidate.store === backing);
  if (entry !== undefined) entry.bridge = bridge;
  return bridge;
}

async function post(bridge: Bridge, id: string, epoch = 5): Promise<{ status: number; body: unknown }> {
  const response = await bridge.app.request('/orders', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Idempotency-Key': id, 'X-Leader-Epoch': String(epoch) },
    body: JSON.stringify(signal(id)),
  });
  return { status: response.status, body: await response.json() };
}

async function lookup(bridge: Bridge, id: string, epoch = 5): Promise<{ status: number; body: unknown }> {
  const response = await bridge.app.request(`/orders/${encodeURIComponent(id)}`, { headers: { 'X-Leader-Epoch': String(epoch) } });
  return { status: response.status, body: await response.json() };
}

describe('the file store', () => {
  it('keeps records in progress, placed records and the highest epoch across a reopen, and forgets what it was told to', async () => {
    const first = await store();
    expect(await first.begin('a', signal('a'), 3)).toBeUndefined();
    expect(await first.begin('b', signal('b'), 3)).toBeUndefined();
    expect(await first.begin('c', signal('c'), 3)).toBeUndefined();
    await first.complete('b', { order_id: 'o-b' });
    await first.forget('c');
    await first.raiseEpoch(9);
    await first.raiseEpoch(4);
    const second = await reopen(first);
    expect(second.get('a')).toMatchObject({ state: 'in_progress', signal: signal('a'), epoch: 3 });
    expect(second.get('b')).toMatchObject({ state: 'placed', report: { order_id: 'o-b' } });
    expect(second.get('c')).toBeUndefined();
    expect(second.highestEpoch()).toBe(9);
  });

  it('lets exactly one of concurrent claims of a key through', async () => {
    const backing = await store();
    const claims = await Promise.all(Array.from({ length: 5 }, () => backing.begin('k', signal('k'), 1)));
    expect(claims.filter((claim) => claim === undefined)).toHaveLength(1);
    expect(claims.filter((claim) => claim?.state === 'in_progress')).toHaveLength(4);
  });

  it('drops a last line a crash cut short, and refuses to open over a broken line elsewhere', async () => {
    const first = await store();
    await first.begin('a', signal('a'), 1);
    await first.close();
    open.splice(0);
    await appendFile(file, '{"op":"placed","key":"a","rep');
    const second = await store();
    expect(second.get('a')?.state).toBe('in_progress');
    // Compacted: the torn line is gone, and new lines are not glued to it.
    await second.complete('a', { order_id: 'o-a' });
    await second.close();
    open.splice(0);
    expect((await readFile(file, 'utf8')).split('\n').every((line) => line === '' || JSON.parse(line) !== null)).toBe(true);

    await writeFile(file, '{"op":"epoch","epoch":1}\nnot json\n{"op":"epoch","epoch":2}\n');
    await expect(openFileStore(file)).rejects.toThrow(/corrupt at line 2/);
  });

  it('drops placed records older than the retention when it opens, never records in progress', async () => {
    const old = Date.now() - 10_000;
    await writeFile(
      file,
      `${JSON.stringify({ op: 'placed', key: 'old', report: {}, at: old })}\n${JSON.stringify({ op: 'begin', key: 'doubt', signal: {}, epoch: null, at: old })}\n`,
    );
    const backing = await store({ retainMs: 5_000 });
    expect(backing.get('old')).toBeUndefined();
    expect(backing.get('doubt')?.state).toBe('in_progress');
  });
});

describe('the bridge kit', () => {
  it('answers an order left in progress by a crash 409, to repeats and lookups, until the engine lookup settles it', async () => {
    const crashed = await store();
    await crashed.begin('sig-1', signal('sig-1'), 5);
    const restarted = await reopen(crashed);
    let answer: LookupResult = { kind: 'unknown' };
    let placed = 0;
    const bridge = await bridgeOn(restarted, {
      placeOrder: () => Promise.resolve({ order_id: `new-${(placed += 1)}` }),
      lookupOrder: () => Promise.resolve(answer),
    });
    await bridge.resolveNow();
    expect((await lookup(bridge, 'sig-1')).status).toBe(409);
    expect((await post(bridge, 'sig-1')).status).toBe(409);

    answer = { kind: 'placed', report: { order_id: 'engine-7' } };
    await bridge.resolveNow();
    expect(await lookup(bridge, 'sig-1')).toEqual({ status: 200, body: { order_id: 'engine-7' } });
    expect(await post(bridge, 'sig-1')).toEqual({ status: 200, body: { order_id: 'engine-7' } });
    expect(placed).toBe(0);
  });

  it('frees an order in doubt only when the engine says it was not placed, or a person settles it', async () => {
    const crashed = await store();
    await crashed.begin('sig-2', signal('sig-2'), 5);
    await crashed.begin('sig-3', signal('sig-3'), 5);
    const restarted = await reopen(crashed);
    const withoutLookup = await bridgeOn(restarted, { placeOrder: () => Promise.resolve({ order_id: 'again' }) });
    await withoutLookup.resolveNow();
    expect((await lookup(withoutLookup, 'sig-2')).status).toBe(409);
    await withoutLookup.settle('sig-2', null);
    expect((await lookup(withoutLookup, 'sig-2')).status).toBe(404);
    expect(await post(withoutLookup, 'sig-2')).toEqual({ status: 200, body: { order_id: 'again' } });
    await withoutLookup.settle('sig-3', { order_id: 'reconciled' });
    expect(await lookup(withoutLookup, 'sig-3')).toEqual({ status: 200, body: { order_id: 'reconciled' } });
    await expect(withoutLookup.settle('sig-3', null)).rejects.toThrow(/not in doubt/);
  });

  it('keeps an order whose engine call failed without saying so in doubt (409), and frees refused ones (422, 503, lookup 404)', async () => {
    const backing = await store();
    let lookups = 0;
    const bridge = await bridgeOn(backing, {
      placeOrder: (order) => {
        if (order.signal_id === 'rejected') return Promise.reject(new OrderRejectedError('no such symbol'));
        if (order.signal_id === 'down') return Promise.reject(new EngineUnavailableError('broker gateway refused the connection'));
        return Promise.reject(new Error('socket hang up'));
      },
      lookupOrder: () => {
        lookups += 1;
        return Promise.resolve({ kind: 'placed', report: { order_id: 'found' } });
      },
    });
    expect(await post(bridge, 'rejected')).toEqual({ status: 422, body: { error: 'no such symbol' } });
    expect(await post(bridge, 'down')).toMatchObject({ status: 503 });
    expect((await lookup(bridge, 'rejected')).status).toBe(404);
    expect((await lookup(bridge, 'down')).status).toBe(404);

    expect(await post(bridge, 'lost')).toMatchObject({ status: 409, body: { error: 'in_progress' } });
    expect((await lookup(bridge, 'lost')).status).toBe(409);
    await bridge.resolveNow();
    expect(lookups).toBe(1);
    expect(await lookup(bridge, 'lost')).toEqual({ status: 200, body: { order_id: 'found' } });
  });

  it('remembers the highest epoch of any request across a restart, and refuses a lower-epoch order unplaced', async () => {
    const first = await store();
    const before = await bridgeOn(first, {});
    expect((await before.app.request('/health', { headers: { 'X-Leader-Epoch': '12' } })).status).toBe(200);
    const second = await reopen(first);
    let placed = 0;
    const after = await bridgeOn(second, { placeOrder: () => Promise.resolve({ order_id: `o-${(placed += 1)}` }) });
    expect(await post(after, 'late', 11)).toEqual({ status: 409, body: { error: 'stale_epoch', epoch: 12 } });
    expect((await lookup(after, 'late', 12)).status).toBe(404);
    expect((await post(after, 'current', 12)).status).toBe(200);
    expect(placed).toBe(1);
  });
});
