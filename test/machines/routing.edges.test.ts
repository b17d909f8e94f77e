/**
 * The position-affinity rule at its edges, where the property tests of routing.test.ts rarely
 * land: equal positions on two engines, a position of exactly the flat limit, and bridge reports
 * whose fill is not a usable number.
 */
import { describe, expect, it } from 'vitest';
import { FLAT, positionChange, positionHolder, type Positions } from '../../machines/routing.js';

function ledger(lean: number, quanttrader: number, nautilus: number): Positions {
  return { lean_self_hosted: lean, quanttrader_pybroker: quanttrader, nautilus_trader: nautilus };
}

describe('positionHolder', () => {
  it('picks the higher-priority engine of two holding equal positions, whichever order they come in', () => {
    expect(positionHolder({ action: 'SELL' }, ledger(0, 5, 5))).toBe('quanttrader_pybroker');
    expect(positionHolder({ action: 'BUY' }, ledger(-5, 0, -5))).toBe('lean_self_hosted');
    expect(positionHolder({ action: 'SELL_TO_CLOSE' }, ledger(0, -5, 5))).toBe('quanttrader_pybroker');
  });

  it('picks the largest position even when a higher-priority engine holds a smaller one', () => {
    expect(positionHolder({ action: 'SELL' }, ledger(2, 0, 9))).toBe('nautilus_trader');
    expect(positionHolder({ action: 'BUY_TO_CLOSE' }, ledger(2, -9, 0))).toBe('quanttrader_pybroker');
  });

  it('counts a position of exactly the flat limit as flat, and one just above it as held', () => {
    expect(positionHolder({ action: 'SELL' }, ledger(FLAT, 0, 0))).toBeNull();
    expect(positionHolder({ action: 'SELL_TO_CLOSE' }, ledger(0, -FLAT, 0))).toBeNull();
    expect(positionHolder({ action: 'SELL' }, ledger(FLAT * 2, 0, 0))).toBe('lean_self_hosted');
  });

  it('binds no opening signal to a position, whichever way the position points', () => {
    expect(positionHolder({ action: 'BUY_TO_OPEN' }, ledger(-5, 5, 0))).toBeNull();
    expect(positionHolder({ action: 'SELL_TO_OPEN' }, ledger(-5, 5, 0))).toBeNull();
  });
});

describe('positionChange', () => {
  it('falls back to the quantity when the fill is not a finite number', () => {
    expect(positionChange('BUY', 10, { filled_quantity: Number.NaN })).toBe(10);
    expect(positionChange('SELL', 10, { filled_quantity: Number.POSITIVE_INFINITY })).toBe(-10);
  });

  it('falls back to the quantity when the report is not an object', () => {
    expect(positionChange('BUY', 4, 'filled')).toBe(4);
    expect(positionChange('SELL_TO_CLOSE', 4, 7)).toBe(-4);
    expect(positionChange('BUY', 4, undefined)).toBe(4);
  });

  it('moves nothing when neither the fill nor the quantity is a finite number', () => {
    expect(positionChange('BUY', Number.NaN, {})).toBe(0);
    expect(positionChange('SELL', Number.NEGATIVE_INFINITY, { filled_quantity: null })).toBe(0);
  });

  it('takes the size of a negative fill or quantity, the action giving the sign', () => {
    expect(positionChange('BUY', 10, { filled_quantity: -3 })).toBe(3);
    expect(positionChange('SELL_TO_OPEN', -6, {})).toBe(-6);
  });
});
