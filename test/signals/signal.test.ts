import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isExpired, MAX_SIGNAL_BYTES, MAX_SIGNAL_DEPTH, ORDER_TYPES, parseSignal, SIGNAL_ACTIONS, type Signal } from '../../src/signals/signal.js';

const base = { signal_id: 'sig-0001', symbol: 'AAPL', action: 'BUY', quantity: 10, order_type: 'MARKET' };

function parse(fields: Record<string, unknown>) {
  return parseSignal(JSON.stringify(fields));
}

function parsedSignal(fields: Record<string, unknown>): Signal {
  const result = parse(fields);
  if (!result.ok) throw new Error(`expected a valid signal, got: ${result.reason}`);
  return result.signal;
}

function rejection(raw: string): { signalId: string; reason: string } {
  const result = parseSignal(raw);
  if (result.ok) throw new Error(`expected an invalid signal, got ${JSON.stringify(result.signal)}`);
  return result;
}

function reasonFor(fields: Record<string, unknown>): string {
  return rejection(JSON.stringify(fields)).reason;
}

/** `base` plus a padding field, serialized to exactly `bytes` UTF-8 bytes using `filler` (1 or 2 bytes). */
function signalOfBytes(bytes: number, filler: 'x' | 'é'): string {
  const empty = JSON.stringify({ ...base, padding: '' });
  const room = bytes - Buffer.byteLength(empty, 'utf8');
  const fillerBytes = Buffer.byteLength(filler, 'utf8');
  const padding = filler.repeat(Math.floor(room / fillerBytes)) + 'x'.repeat(room % fillerBytes);
  const text = JSON.stringify({ ...base, padding });
  expect(Buffer.byteLength(text, 'utf8')).toBe(bytes);
  return text;
}

describe('parseSignal: valid signals', () => {
  it('accepts the contract example and keeps every field', () => {
    const example = {
      signal_id: 'sig-0001',
      symbol: 'AAPL',
      action: 'BUY',
      quantity: 10,
      order_type: 'LIMIT',
      limit_price: 187.5,
      strategy_id: 'momentum',
      timestamp: '2026-11-25T14:30:00Z',
      expires_at: '2026-11-25T14:35:00Z',
    };
    expect(parsedSignal(example)).toEqual(example);
  });

  it.each(SIGNAL_ACTIONS)('accepts action %s in any case, normalised to upper case', (action) => {
    expect(parsedSignal({ ...base, action }).action).toBe(action);
    expect(parsedSignal({ ...base, action: action.toLowerCase() }).action).toBe(action);
    const mixed = [...action].map((char, index) => (index % 2 === 0 ? char.toLowerCase() : char)).join('');
    expect(parsedSignal({ ...base, action: mixed }).action).toBe(action);
  });

  it.each([
    ['MARKET', {}],
    ['LIMIT', { limit_price: 187.5 }],
    ['STOP', { stop_price: 180 }],
    ['STOP_LIMIT', { limit_price: 181, stop_price: 180 }],
  ])('accepts order type %s with its prices, in any case', (orderType, prices) => {
    expect(parsedSignal({ ...base, order_type: orderType, ...prices })).toEqual({ ...base, order_type: orderType, ...prices });
    expect(parsedSignal({ ...base, order_type: orderType.toLowerCase(), ...prices }).order_type).toBe(orderType);
  });

  it('covers every order type the module declares', () => {
    expect([...ORDER_TYPES].sort()).toEqual(['LIMIT', 'MARKET', 'STOP', 'STOP_LIMIT']);
  });

  it('accepts notional instead of quantity, fractional amounts included', () => {
    const { quantity: _quantity, ...withoutQuantity } = base;
    expect(parsedSignal({ ...withoutQuantity, notional: 2500.5 })).toEqual({ ...withoutQuantity, notional: 2500.5 });
    expect(parsedSignal({ ...base, quantity: 0.25 }).quantity).toBe(0.25);
  });

  it('treats null as absent and drops those fields', () => {
    const signal = parsedSignal({
      ...base,
      notional: null,
      limit_price: null,
      stop_price: null,
      expires_at: null,
      timestamp: null,
      strategy_id: null,
    });
    expect(signal).toEqual(base);
    expect(Object.keys(signal)).not.toContain('notional');
    expect(Object.keys(signal)).not.toContain('strategy_id');
  });

  it('keeps other fields unchanged, nested nulls and key order included', () => {
    const raw = `{"signal_id":"sig-7","strategy_id":"momentum","symbol":"MSFT","action":"SELL","risk_meta":{"max_loss":12.5,"tags":["a",null],"note":null},"quantity":3,"order_type":"MARKET","timestamp":1764081000,"__proto__":"kept as a field"}`;
    const result = parseSignal(raw);
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(JSON.stringify(result.signal)).toBe(raw);
      expect(Object.getPrototypeOf(result.signal)).toBe(Object.prototype);
      expect(result.signal.risk_meta).toEqual({ max_loss: 12.5, tags: ['a', null], note: null });
    }
  });

  it('accepts signal_id and symbol at their length limits, counted in characters', () => {
    expect(parsedSignal({ ...base, signal_id: 'i'.repeat(128), symbol: 'S'.repeat(64) }).signal_id).toHaveLength(128);
    expect(parsedSignal({ ...base, signal_id: 'i'.repeat(128) }).signal_id).toBe('i'.repeat(128));
  });

  it.each(['2026-11-25T14:35:00Z', '2026-11-25T14:35:00.123456Z', '2026-11-25T15:35:00+01:00', '2026-11-25T14:35:00', '2026-11-25T14:35Z', '2026-11-25'])(
    'accepts expires_at %s',
    (expiresAt) => {
      expect(parsedSignal({ ...base, expires_at: expiresAt }).expires_at).toBe(expiresAt);
    },
  );
});

describe('parseSignal: invalid signals name the field', () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['signal_id missing', { signal_id: undefined }, 'signal_id is required'],
    ['signal_id null', { signal_id: null }, 'signal_id is required'],
    ['signal_id a number', { signal_id: 42 }, 'signal_id must be a string of 1 to 128 characters'],
    ['signal_id empty', { signal_id: '' }, 'signal_id must not be empty'],
    ['symbol missing', { symbol: undefined }, 'symbol is required'],
    ['symbol empty', { symbol: '' }, 'symbol must not be empty'],
    ['symbol too long', { symbol: 'S'.repeat(65) }, 'symbol must be at most 64 characters'],
    ['symbol an object', { symbol: { ticker: 'AAPL' } }, 'symbol must be a string of 1 to 64 characters'],
    ['action missing', { action: undefined }, 'action is required'],
    ['action unknown', { action: 'HOLD' }, 'action must be one of BUY, SELL, BUY_TO_OPEN, SELL_TO_OPEN, BUY_TO_CLOSE, SELL_TO_CLOSE'],
    ['action a number', { action: 1 }, 'action must be one of BUY, SELL, BUY_TO_OPEN, SELL_TO_OPEN, BUY_TO_CLOSE, SELL_TO_CLOSE'],
    ['no quantity nor notional', { quantity: undefined }, 'exactly one of quantity or notional is required'],
    ['quantity null and no notional', { quantity: null }, 'exactly one of quantity or notional is required'],
    ['both quantity and notional', { notional: 100 }, 'exactly one of quantity or notional is required, not both'],
    ['quantity zero', { quantity: 0 }, 'quantity must be greater than 0'],
    ['quantity negative', { quantity: -5 }, 'quantity must be greater than 0'],
    ['quantity a string', { quantity: '10' }, 'quantity must be a finite number greater than 0'],
    ['notional zero', { quantity: undefined, notional: 0 }, 'notional must be greater than 0'],
    ['order_type missing', { order_type: undefined }, 'order_type is required'],
    ['order_type unknown', { order_type: 'ICEBERG' }, 'order_type must be one of MARKET, LIMIT, STOP, STOP_LIMIT'],
    ['LIMIT without limit_price', { order_type: 'LIMIT' }, 'limit_price is required for LIMIT orders'],
    ['LIMIT with null limit_price', { order_type: 'limit', limit_price: null }, 'limit_price is required for LIMIT orders'],
    ['LIMIT with limit_price 0', { order_type: 'LIMIT', limit_price: 0 }, 'limit_price must be greater than 0'],
    ['STOP without stop_price', { order_type: 'STOP' }, 'stop_price is required for STOP orders'],
    ['STOP with negative stop_price', { order_type: 'STOP', stop_price: -1 }, 'stop_price must be greater than 0'],
    ['STOP_LIMIT without stop_price', { order_type: 'STOP_LIMIT', limit_price: 10 }, 'stop_price is required for STOP_LIMIT orders'],
    ['STOP_LIMIT without limit_price', { order_type: 'STOP_LIMIT', stop_price: 10 }, 'limit_price is required for STOP_LIMIT orders'],
    ['expires_at free text', { expires_at: 'tomorrow' }, 'expires_at must be an ISO 8601 date-time such as 2026-11-25T14:35:00Z'],
    ['expires_at a day that does not exist', { expires_at: '2026-02-30T00:00:00Z' }, 'expires_at must be an ISO 8601 date-time such as 2026-11-25T14:35:00Z'],
    ['expires_at an hour that does not exist', { expires_at: '2026-11-25T24:30:00Z' }, 'expires_at must be an ISO 8601 date-time such as 2026-11-25T14:35:00Z'],
    ['expires_at a number', { expires_at: 1764081300 }, 'expires_at must be an ISO 8601 date-time such as 2026-11-25T14:35:00Z'],
  ])('%s', (_case, change, reason) => {
    expect(reasonFor({ ...base, ...change })).toBe(reason);
  });

  it('rejects quantity 1e999, which JSON.parse turns into Infinity', () => {
    const raw = JSON.stringify(base).replace('"quantity":10', '"quantity":1e999');
    expect(rejection(raw).reason).toBe('quantity must be a finite number greater than 0');
  });

  it('rejects signal_id and symbol one character over the limit', () => {
    expect(reasonFor({ ...base, signal_id: 'i'.repeat(129) })).toBe('signal_id must be at most 128 characters');
    expect(reasonFor({ ...base, signal_id: '📈'.repeat(2) })).toBe(
      'signal_id must be printable ASCII without spaces at its ends (it is sent as the Idempotency-Key header)',
    );
    expect(reasonFor({ ...base, signal_id: ' sig-1' })).toMatch(/printable ASCII without spaces at its ends/);
    expect(reasonFor({ ...base, signal_id: 'sig\n1' })).toMatch(/printable ASCII/);
  });

  it('lists every broken field in one reason', () => {
    const reason = reasonFor({ signal_id: 'sig-9', symbol: '', action: 'HOLD', quantity: -1, order_type: 'MARKET' });
    expect(reason).toContain('symbol must not be empty');
    expect(reason).toContain('action must be one of');
    expect(reason).toContain('quantity must be greater than 0');
  });

  it('reports the signal_id when it could be read as a string, else an empty one', () => {
    expect(rejection(JSON.stringify({ ...base, signal_id: 'sig-42', action: 'HOLD' })).signalId).toBe('sig-42');
    expect(rejection(JSON.stringify({ ...base, signal_id: 'i'.repeat(200) })).signalId).toBe('i'.repeat(200));
    expect(rejection(JSON.stringify({ ...base, signal_id: 42 })).signalId).toBe('');
    expect(rejection(JSON.stringify({ ...base, signal_id: null })).signalId).toBe('');
  });

  it.each(['', 'not json', '{"signal_id": "sig-1",', "{'signal_id': 'sig-1'}", '{"signal_id":"sig-1"} trailing'])(
    'rejects text that is not JSON: %j',
    (raw) => {
      const { signalId, reason } = rejection(raw);
      expect(signalId).toBe('');
      expect(reason).toMatch(/^signal is not valid JSON/);
    },
  );

  it.each([
    ['[]', 'an array'],
    ['[{"signal_id":"sig-1"}]', 'an array'],
    ['"sig-1"', 'a string'],
    ['42', 'a number'],
    ['true', 'a boolean'],
    ['null', 'null'],
  ])('rejects JSON that is not an object: %s', (raw, kind) => {
    expect(rejection(raw)).toEqual({ ok: false, signalId: '', reason: `signal must be a JSON object, got ${kind}` });
  });
});

describe('parseSignal: nesting depth', () => {
  function withRiskMetaDepth(depth: number): string {
    // The signal object itself is one level, so risk_meta gets depth - 1.
    const nested = '['.repeat(depth - 1) + ']'.repeat(depth - 1);
    return JSON.stringify(base).replace(/}$/, `,"risk_meta":${nested}}`);
  }

  it('accepts a signal nested up to the limit, and it can be sent on as JSON', () => {
    const result = parseSignal(withRiskMetaDepth(MAX_SIGNAL_DEPTH));
    expect(result.ok).toBe(true);
    if (result.ok) expect(JSON.stringify(result.signal)).toBe(withRiskMetaDepth(MAX_SIGNAL_DEPTH));
  });

  it('rejects one level more, so a 30 000-level signal that fits in 64 KiB cannot break JSON.stringify later', () => {
    expect(rejection(withRiskMetaDepth(MAX_SIGNAL_DEPTH + 1))).toEqual({
      ok: false,
      signalId: 'sig-0001',
      reason: `signal nests objects and arrays more than ${MAX_SIGNAL_DEPTH} levels deep`,
    });
    expect(rejection(withRiskMetaDepth(30_000)).reason).toContain('levels deep');
  });
});

describe('parseSignal: the 64 KiB limit', () => {
  it('is 64 KiB', () => {
    expect(MAX_SIGNAL_BYTES).toBe(65_536);
  });

  it('accepts a signal of exactly 64 KiB, in one-byte and in two-byte characters', () => {
    expect(parseSignal(signalOfBytes(MAX_SIGNAL_BYTES, 'x')).ok).toBe(true);
    expect(parseSignal(signalOfBytes(MAX_SIGNAL_BYTES, 'é')).ok).toBe(true);
  });

  it('rejects one byte more, also when it is fewer than 64 Ki characters', () => {
    const ascii = signalOfBytes(MAX_SIGNAL_BYTES + 1, 'x');
    expect(rejection(ascii)).toEqual({ ok: false, signalId: '', reason: expect.stringContaining('64 KiB') });
    const multiByte = signalOfBytes(MAX_SIGNAL_BYTES + 1, 'é');
    expect(multiByte.length).toBeLessThan(MAX_SIGNAL_BYTES / 1.9);
    expect(rejection(multiByte).reason).toContain('64 KiB');
  });

  it('does not parse an oversized text: the size is the reason even for broken JSON', () => {
    expect(rejection('{'.repeat(MAX_SIGNAL_BYTES + 1)).reason).toBe(`signal is 65537 bytes, larger than the 65536-byte (64 KiB) limit`);
  });
});

describe('parseSignal never throws', () => {
  function assertWellFormed(raw: string): void {
    const result = parseSignal(raw);
    if (result.ok) {
      expect(typeof result.signal.signal_id).toBe('string');
    } else {
      expect(typeof result.signalId).toBe('string');
      expect(result.reason.length).toBeGreaterThan(0);
    }
  }

  it('on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (raw) => assertWellFormed(raw)),
      { numRuns: 500 },
    );
  });

  it('on arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.json(), (raw) => assertWellFormed(raw)),
      { numRuns: 500 },
    );
  });

  it('on objects with the signal fields set to arbitrary JSON values', () => {
    const anyValue = fc.jsonValue();
    const fields = fc.record(
      {
        signal_id: anyValue,
        symbol: anyValue,
        action: anyValue,
        quantity: anyValue,
        notional: anyValue,
        order_type: anyValue,
        limit_price: anyValue,
        stop_price: anyValue,
        expires_at: anyValue,
        timestamp: anyValue,
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fields, (value) => assertWellFormed(JSON.stringify(value))),
      { numRuns: 1000 },
    );
  });

  it('on deeply nested JSON', () => {
    assertWellFormed('['.repeat(30_000) + ']'.repeat(30_000));
  });
});

describe('isExpired', () => {
  const expiresAt = Date.parse('2026-11-25T14:35:00Z');

  it('never expires a signal without expires_at', () => {
    expect(isExpired(parsedSignal(base), Number.MAX_SAFE_INTEGER)).toBe(false);
  });

  it('expires at the stated instant, not before', () => {
    const signal = parsedSignal({ ...base, expires_at: '2026-11-25T14:35:00Z' });
    expect(isExpired(signal, expiresAt - 1)).toBe(false);
    expect(isExpired(signal, expiresAt)).toBe(true);
    expect(isExpired(signal, expiresAt + 60_000)).toBe(true);
  });

  it.each([
    ['2026-11-25T15:35:00+01:00', expiresAt],
    ['2026-11-25T09:35:00-0500', expiresAt],
    ['2026-11-25T14:35:00', expiresAt],
    ['2026-11-25 14:35:00z', expiresAt],
    ['2026-11-25T14:35:00.250Z', expiresAt + 250],
    ['2026-11-25T14:35:00,250999Z', expiresAt + 250],
    ['2026-11-25', Date.parse('2026-11-25T00:00:00Z')],
  ])('reads %s as %d (a time without offset is UTC)', (text, instant) => {
    const signal = parsedSignal({ ...base, expires_at: text });
    expect(isExpired(signal, instant - 1)).toBe(false);
    expect(isExpired(signal, instant)).toBe(true);
  });
});
