/**
 * The position-affinity rule (contract section 13), over arbitrary ledgers, signals and
 * availability: a reducing signal never goes to an engine that does not hold the position, an
 * opening one always to the active engine.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ENGINE_IDS, type EngineId } from '../../machines/engines.js';
import { FLAT, positionChange, positionHolder, routeSignal, type Positions } from '../../machines/routing.js';

const engine = fc.constantFrom(...ENGINE_IDS);
const amount = fc.oneof(fc.constant(0), fc.double({ min: -1000, max: 1000, noNaN: true }), fc.integer({ min: -50, max: 50 }));
const positions = fc.record({ lean_self_hosted: amount, quanttrader_pybroker: amount, nautilus_trader: amount });
const action = fc.constantFrom('BUY', 'SELL', 'BUY_TO_OPEN', 'SELL_TO_OPEN', 'BUY_TO_CLOSE', 'SELL_TO_CLOSE');
const availability = fc.record({ lean_self_hosted: fc.boolean(), quanttrader_pybroker: fc.boolean(), nautilus_trader: fc.boolean() });

/** Whether `signal` reduces the position `held`, as the contract words it. */
function reduces(actionName: string, held: number): boolean {
  if (actionName.endsWith('_TO_CLOSE')) return Math.abs(held) > FLAT;
  if (actionName === 'SELL') return held > FLAT;
  if (actionName === 'BUY') return held < -FLAT;
  return false;
}

describe('routeSignal', () => {
  it('sends a reducing signal only to an engine that holds the position, or makes it wait for it', () => {
    fc.assert(
      fc.property(action, positions, fc.option(engine, { nil: null }), availability, (name, ledger, active, up) => {
        const route = routeSignal({ action: name }, ledger, active, (candidate) => up[candidate]);
        const holders = ENGINE_IDS.filter((candidate) => reduces(name, ledger[candidate]));
        if (holders.length === 0) return;
        expect(route.kind).not.toBe('paused');
        if (route.kind === 'paused') return;
        expect(holders).toContain(route.engine);
        // The largest position of those reduced.
        expect(Math.abs(ledger[route.engine])).toBe(Math.max(...holders.map((candidate) => Math.abs(ledger[candidate]))));
        expect(route.kind).toBe(up[route.engine] ? 'engine' : 'wait');
      }),
    );
  });

  it('sends every other signal to the active engine, and holds it while paused', () => {
    fc.assert(
      fc.property(action, positions, fc.option(engine, { nil: null }), availability, (name, ledger, active, up) => {
        if (ENGINE_IDS.some((candidate) => reduces(name, ledger[candidate]))) return;
        const route = routeSignal({ action: name }, ledger, active, (candidate) => up[candidate]);
        expect(route).toEqual(active === null ? { kind: 'paused' } : { kind: 'engine', engine: active, affinity: false });
      }),
    );
  });

  it('marks a route to another engine than the active one', () => {
    const ledger: Positions = { lean_self_hosted: 0, quanttrader_pybroker: 30, nautilus_trader: 0 };
    expect(routeSignal({ action: 'SELL' }, ledger, 'lean_self_hosted', () => true)).toEqual({ kind: 'engine', engine: 'quanttrader_pybroker', affinity: true });
    expect(routeSignal({ action: 'SELL' }, ledger, 'quanttrader_pybroker', () => true)).toEqual({
      kind: 'engine',
      engine: 'quanttrader_pybroker',
      affinity: false,
    });
    expect(routeSignal({ action: 'SELL' }, ledger, 'lean_self_hosted', (candidate: EngineId) => candidate !== 'quanttrader_pybroker')).toEqual({
      kind: 'wait',
      engine: 'quanttrader_pybroker',
    });
    // Adding to the long is no reduction: the active engine takes it.
    expect(routeSignal({ action: 'BUY' }, ledger, 'lean_self_hosted', () => true)).toEqual({ kind: 'engine', engine: 'lean_self_hosted', affinity: false });
    // Dust of decimal sums is flat.
    expect(positionHolder({ action: 'SELL' }, { lean_self_hosted: 1e-12, quanttrader_pybroker: 0, nautilus_trader: 0 })).toBeNull();
  });
});

describe('positionChange', () => {
  it('moves by the fill when the report has one, else by the quantity, with the sign of the action', () => {
    expect(positionChange('BUY', 10, { filled_quantity: 7 })).toBe(7);
    expect(positionChange('SELL_TO_CLOSE', 10, { filled_quantity: 7 })).toBe(-7);
    expect(positionChange('SELL', 10, {})).toBe(-10);
    expect(positionChange('BUY_TO_OPEN', 10, { filled_quantity: 'seven' })).toBe(10);
    expect(positionChange('BUY', undefined, null)).toBe(0);
  });
});
