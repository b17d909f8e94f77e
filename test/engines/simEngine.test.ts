/** The `sim://` engine: paper fills, faults from its URL and at run time, on the test clock. */
import { describe, expect, it } from 'vitest';
import { parseSimFaultsPatch } from '../../src/engines/simFaults.js';
import { createSimEngine, pseudoPrice, type SimEngine, type SimEngineOptions } from '../../src/engines/simEngine.js';
import type { EngineCall, ExecutionResult } from '../../src/engines/types.js';
import type { Signal } from '../../src/signals/signal.js';
import { TestClock } from '../support/testClock.js';

/** The leader term's epoch; the simulated engine takes it and does not fence. */
const CALL: EngineCall = { epoch: 3 };

/** Resolves `promise` into a box, so a test can see whether it has settled yet. */
function track<T>(promise: Promise<T>): { value?: T; done: boolean } {
  const box: { value?: T; done: boolean } = { done: false };
  void promise.then((value) => {
    box.value = value;
    box.done = true;
  });
  return box;
}

function sim(url: string, options: Partial<SimEngineOptions> = {}): { engine: SimEngine; clock: TestClock } {
  const clock = new TestClock(1_700_000_000_000);
  const engine = createSimEngine({
    id: 'quanttrader_pybroker',
    url,
    timeoutMs: 1000,
    random: () => 0.5,
    clock,
    ...options,
  });
  return { engine, clock };
}

let signalCount = 0;
function signal(fields: Record<string, unknown> = {}): Signal {
  signalCount += 1;
  return { signal_id: `sim-sig-${signalCount}`, symbol: 'MSFT', action: 'BUY', quantity: 5, order_type: 'MARKET', ...fields };
}

function reportOf(result: ExecutionResult): unknown {
  if (result.kind !== 'executed') throw new Error(`expected an execution, got ${JSON.stringify(result)}`);
  return result.report;
}

describe('sim engine: faults from the URL', () => {
  it('reads every fault from the query', () => {
    const { engine } = sim('sim://?latency_ms=5&fail_rate=0.1&reject_rate=0.25&mode=REJECT');
    expect(engine.faults()).toEqual({ mode: 'reject', latency_ms: 5, fail_rate: 0.1, reject_rate: 0.25 });
  });

  it('is a healthy, instant engine without a query', () => {
    expect(sim('sim://').engine.faults()).toEqual({ mode: 'ok', latency_ms: 0, fail_rate: 0, reject_rate: 0 });
  });

  it.each([
    ['sim://?latency_ms=-1', 'latency_ms'],
    ['sim://?latency_ms=', 'latency_ms'],
    ['sim://?latency_ms=soon', 'latency_ms'],
    ['sim://?fail_rate=1.5', 'fail_rate'],
    ['sim://?fail_rate=NaN', 'fail_rate'],
    ['sim://?reject_rate=-0.1', 'reject_rate'],
    ['sim://?mode=flaky', 'mode'],
    ['sim://?fail_rat=0.5', 'fail_rat'],
    ['sim://?mode=ok&mode=down', 'mode'],
  ])('refuses %s, naming the parameter and the engine', (url, parameter) => {
    expect(() => sim(url)).toThrow(parameter);
    expect(() => sim(url)).toThrow('Engine quanttrader_pybroker');
  });

  it('refuses a URL of another scheme', () => {
    expect(() => sim('http://127.0.0.1/')).toThrow('sim://');
  });

  it('keeps credentials out of its url', () => {
    expect(sim('sim://user:secret@paper?mode=ok').engine.url).toBe('sim://paper?mode=ok');
  });
});

describe('sim engine: paper fills', () => {
  it('fills a limit order at its limit price and reports it', async () => {
    const { engine, clock } = sim('sim://');
    const order = signal({ order_type: 'LIMIT', limit_price: 187.5 });
    expect(await engine.execute(order, CALL)).toEqual({
      kind: 'executed',
      latencyMs: 0,
      report: {
        engine: 'quanttrader_pybroker',
        order_id: expect.any(String),
        signal_id: order.signal_id,
        symbol: 'MSFT',
        action: 'BUY',
        quantity: 5,
        order_type: 'LIMIT',
        status: 'filled',
        fill_price: 187.5,
        filled_at: new Date(clock.now()).toISOString(),
      },
    });
  });

  it('fills a market order at a stable price per symbol, and reports a notional order as such', async () => {
    const { engine } = sim('sim://');
    const first = reportOf(await engine.execute(signal({ symbol: 'TSLA', quantity: undefined, notional: 2500 }), CALL));
    const second = reportOf(await engine.execute(signal({ symbol: 'TSLA' }), CALL));
    const other = reportOf(await engine.execute(signal({ symbol: 'NVDA' }), CALL));
    expect(first).toMatchObject({ notional: 2500, fill_price: pseudoPrice('TSLA') });
    expect(first).not.toHaveProperty('quantity');
    expect(second).toMatchObject({ quantity: 5, fill_price: pseudoPrice('TSLA') });
    expect(other).toMatchObject({ fill_price: pseudoPrice('NVDA') });
    expect(pseudoPrice('TSLA')).not.toBe(pseudoPrice('NVDA'));
  });

  it('keeps pseudo prices between 10 and 500', () => {
    for (const symbol of ['A', 'AAPL', 'BRK.B', 'ZZZZZZZZ', '']) {
      expect(pseudoPrice(symbol)).toBeGreaterThanOrEqual(10);
      expect(pseudoPrice(symbol)).toBeLessThanOrEqual(500);
    }
  });

  it('answers a repeated signal id with the first report, placing no second order', async () => {
    const { engine } = sim('sim://');
    const order = signal();
    const first = reportOf(await engine.execute(order, CALL));
    const repeat = reportOf(await engine.execute({ ...order, quantity: 99 }, CALL));
    expect(repeat).toBe(first);
  });

  it('answers lookups: executed with the report, not_found otherwise', async () => {
    const { engine } = sim('sim://');
    const order = signal();
    const report = reportOf(await engine.execute(order, CALL));
    expect(await engine.lookup(order.signal_id, CALL)).toEqual({ kind: 'executed', report });
    expect(await engine.lookup('never-sent', CALL)).toEqual({ kind: 'not_found' });
  });

  it('does not fence: an order with an older epoch than one seen before is still filled', async () => {
    const { engine } = sim('sim://');
    const later = signal();
    const earlier = signal();
    expect((await engine.execute(later, { epoch: 9 })).kind).toBe('executed');
    expect(await engine.health({ epoch: 9 })).toBe(true);
    expect((await engine.execute(earlier, { epoch: 2 })).kind).toBe('executed');
    expect(await engine.lookup(earlier.signal_id, { epoch: 0 })).toMatchObject({ kind: 'executed' });
  });

  it('forgets the oldest executions beyond its memory limit', async () => {
    const { engine } = sim('sim://', { rememberLimit: 2 });
    const orders = [signal(), signal(), signal()];
    for (const order of orders) await engine.execute(order, CALL);
    const found = await Promise.all(orders.map((order) => engine.lookup(order.signal_id, CALL)));
    expect(found.map((lookup) => lookup.kind)).toEqual(['not_found', 'executed', 'executed']);
  });
});

describe('sim engine: random faults', () => {
  it('fails a draw below fail_rate, rejects one below fail_rate + reject_rate, fills the rest', async () => {
    const draws = [0.05, 0.2, 0.5];
    const { engine } = sim('sim://?fail_rate=0.1&reject_rate=0.25', { random: () => draws.shift() ?? 1 });
    const results = [await engine.execute(signal(), CALL), await engine.execute(signal(), CALL), await engine.execute(signal(), CALL)];
    expect(results.map((result) => result.kind)).toEqual(['failed', 'rejected', 'executed']);
    expect(results[0]).toMatchObject({ unknownOutcome: false });
    expect(results[1]).toMatchObject({ status: 422 });
  });

  it('does not count a randomly failed signal as executed', async () => {
    const { engine } = sim('sim://?fail_rate=1');
    const order = signal();
    expect(await engine.execute(order, CALL)).toMatchObject({ kind: 'failed' });
    expect(await engine.lookup(order.signal_id, CALL)).toEqual({ kind: 'not_found' });
  });
});

describe('sim engine: modes', () => {
  it('reject: rejects every order and stays healthy', async () => {
    const { engine } = sim('sim://?mode=reject');
    expect(await engine.execute(signal(), CALL)).toMatchObject({ kind: 'rejected', status: 422 });
    expect(await engine.health(CALL)).toBe(true);
  });

  it('fail: fails with a known outcome, unhealthy, lookups unknown', async () => {
    const { engine } = sim('sim://?mode=fail');
    expect(await engine.execute(signal(), CALL)).toMatchObject({ kind: 'failed', unknownOutcome: false });
    expect(await engine.health(CALL)).toBe(false);
    expect(await engine.lookup('x', CALL)).toMatchObject({ kind: 'unknown' });
  });

  it('down: refuses at once, unhealthy, lookups unknown', async () => {
    const { engine, clock } = sim('sim://?mode=down&latency_ms=50');
    expect(await engine.execute(signal(), CALL)).toEqual({
      kind: 'failed',
      unknownOutcome: false,
      reason: expect.stringContaining('refused'),
    });
    expect(await engine.health(CALL)).toBe(false);
    expect(await engine.lookup('x', CALL)).toMatchObject({ kind: 'unknown' });
    expect(clock.pendingCount()).toBe(0);
  });

  it('hang: answers nothing until the timeout, then an unknown outcome with no order placed', async () => {
    const { engine, clock } = sim('sim://?mode=hang');
    const order = signal();
    const execution = track(engine.execute(order, CALL));
    const health = track(engine.health(CALL));
    await clock.advance(999);
    expect(execution.done || health.done).toBe(false);
    await clock.advance(1);
    expect(execution.value).toEqual({ kind: 'failed', unknownOutcome: true, reason: expect.stringContaining('1000 ms') });
    expect(health.value).toBe(false);
    engine.setFaults({ mode: 'ok' });
    expect(await engine.lookup(order.signal_id, CALL)).toEqual({ kind: 'not_found' });
  });

  it('latency: answers after latency_ms and reports it', async () => {
    const { engine, clock } = sim('sim://?latency_ms=40');
    const execution = track(engine.execute(signal(), CALL));
    await clock.advance(39);
    expect(execution.done).toBe(false);
    await clock.advance(1);
    expect(execution.value).toMatchObject({ kind: 'executed', latencyMs: 40 });
  });

  it('latency at or past the timeout: the caller gives up, but the order stands', async () => {
    const { engine, clock } = sim('sim://?latency_ms=1500');
    const order = signal();
    const execution = track(engine.execute(order, CALL));
    await clock.advance(1000);
    expect(execution.value).toMatchObject({ kind: 'failed', unknownOutcome: true });
    engine.setFaults({ latency_ms: 0 });
    expect(await engine.lookup(order.signal_id, CALL)).toMatchObject({ kind: 'executed' });
  });
});

describe('sim engine: faults at run time', () => {
  it('changes behaviour when faults change, and back', async () => {
    const { engine } = sim('sim://');
    const seen = [await engine.health(CALL)];
    expect(engine.setFaults({ mode: 'down' })).toEqual({ mode: 'down', latency_ms: 0, fail_rate: 0, reject_rate: 0 });
    seen.push(await engine.health(CALL));
    const refused = await engine.execute(signal(), CALL);
    engine.setFaults({ mode: 'ok' });
    seen.push(await engine.health(CALL));
    expect(seen).toEqual([true, false, true]);
    expect(refused).toMatchObject({ kind: 'failed', unknownOutcome: false });
    expect((await engine.execute(signal(), CALL)).kind).toBe('executed');
  });

  it('accepts the inspector JSON, numbers as text included, and keeps unnamed faults', () => {
    const { engine } = sim('sim://?latency_ms=5');
    expect(engine.setFaults({ fail_rate: '0.3', mode: 'Reject' })).toEqual({
      mode: 'reject',
      latency_ms: 5,
      fail_rate: 0.3,
      reject_rate: 0,
    });
    expect(engine.faults().fail_rate).toBe(0.3);
  });

  it('refuses an invalid change as a whole, naming the field', () => {
    const { engine } = sim('sim://?latency_ms=5');
    expect(() => engine.setFaults({ mode: 'down', fail_rate: 3 })).toThrow('fail_rate');
    expect(() => engine.setFaults({ latency: 10 })).toThrow('latency');
    expect(engine.faults()).toEqual({ mode: 'ok', latency_ms: 5, fail_rate: 0, reject_rate: 0 });
  });

  it('lets calls already waiting keep the faults they started with', async () => {
    const { engine, clock } = sim('sim://?mode=hang');
    const execution = track(engine.execute(signal(), CALL));
    engine.setFaults({ mode: 'ok' });
    await clock.advance(1000);
    expect(execution.value).toMatchObject({ kind: 'failed', unknownOutcome: true });
  });

  it.each([null, 'mode=down', ['mode'], 5])('parseSimFaultsPatch refuses %j: not an object', (input) => {
    expect(() => parseSimFaultsPatch(input)).toThrow('must be an object');
  });
});
