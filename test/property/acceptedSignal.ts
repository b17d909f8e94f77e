/**
 * An independent check of a signal `parseSignal` accepted: the contract's rules (section 3) are
 * re-read here from the received JSON, written without the parser's schema, so a rule the parser
 * forgets or bends shows up as a failed expectation.
 */
import { expect } from 'vitest';
import type { Signal } from '../../src/signals/signal.js';
import { asciiUpper, CONTRACT_ACTIONS, CONTRACT_ORDER_TYPES } from './signalArbitraries.js';

/** Characters as code points: a surrogate pair is one, a lone surrogate is one. */
export function codePointCount(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    const next = text.charCodeAt(i + 1);
    if (unit >= 0xd800 && unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) i++;
    count++;
  }
  return count;
}

function isPresent(received: Record<string, unknown>, field: string): boolean {
  return Object.hasOwn(received, field) && received[field] !== null;
}

function isPositiveFinite(value: unknown): boolean {
  return typeof value === 'number' && Number.isFinite(value) && value > 0;
}

/** Whether `text` starts with a real calendar date (YYYY-MM-DD), the least an ISO 8601 instant has. */
function startsWithCalendarDate(text: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(text);
  if (match === null) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** Whether the signal_id can travel as a header: printable ASCII, no space at either end. */
function isHeaderSafeId(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code > 0x7e) return false;
  }
  return !text.startsWith(' ') && !text.endsWith(' ');
}

/**
 * Fails unless `signal` is what the contract makes of `received` (the parsed JSON text): every
 * rule holds, nulls are gone, enums are upper-cased, and every other field is passed on unchanged.
 */
export function expectContractSignal(received: Record<string, unknown>, signal: Signal): void {
  const id = received.signal_id;
  expect(typeof id === 'string' && codePointCount(id) >= 1 && codePointCount(id) <= 128 && isHeaderSafeId(id), 'signal_id').toBe(true);
  const symbol = received.symbol;
  expect(typeof symbol === 'string' && codePointCount(symbol) >= 1 && codePointCount(symbol) <= 64, 'symbol').toBe(true);

  const action = received.action;
  expect(typeof action === 'string' && CONTRACT_ACTIONS.includes(asciiUpper(action)), 'action').toBe(true);
  expect(signal.action).toBe(typeof action === 'string' ? asciiUpper(action) : undefined);
  const orderType = received.order_type;
  expect(typeof orderType === 'string' && CONTRACT_ORDER_TYPES.includes(asciiUpper(orderType)), 'order_type').toBe(true);
  const upperOrderType = typeof orderType === 'string' ? asciiUpper(orderType) : '';
  expect(signal.order_type).toBe(upperOrderType);

  const amounts = ['quantity', 'notional'].filter((field) => isPresent(received, field));
  expect(amounts, 'exactly one of quantity or notional').toHaveLength(1);
  for (const field of ['quantity', 'notional', 'limit_price', 'stop_price']) {
    if (isPresent(received, field)) expect(isPositiveFinite(received[field]), `${field} is a finite number > 0`).toBe(true);
  }
  if (upperOrderType === 'LIMIT' || upperOrderType === 'STOP_LIMIT') expect(isPresent(received, 'limit_price'), 'limit_price').toBe(true);
  if (upperOrderType === 'STOP' || upperOrderType === 'STOP_LIMIT') expect(isPresent(received, 'stop_price'), 'stop_price').toBe(true);
  if (isPresent(received, 'expires_at')) {
    const expiresAt = received.expires_at;
    expect(typeof expiresAt === 'string' && startsWithCalendarDate(expiresAt), 'expires_at').toBe(true);
  }

  // Nothing added, nothing lost but the nulls, and no key turned into a prototype.
  expect(Object.getPrototypeOf(signal)).toBe(Object.prototype);
  const kept = Object.keys(received).filter((key) => received[key] !== null);
  expect(Object.keys(signal).sort()).toEqual(kept.sort());
  for (const key of kept) {
    if (key === 'action' || key === 'order_type') continue;
    expect(Object.getOwnPropertyDescriptor(signal, key)?.value, `field ${JSON.stringify(key)} passed on unchanged`).toEqual(received[key]);
  }
}
