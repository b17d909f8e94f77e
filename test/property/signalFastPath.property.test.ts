/**
 * The fast path for the common signal (src/signals/signalFastPath.ts) against the zod schema it
 * runs ahead of: for every input, `parseSignal` (fast path first) and `parseSignalBySchema` (the
 * schema alone) give the same answer: the same verdict, the same reason, and for an accepted signal
 * the same value with the same field order and an ordinary prototype. Inputs are the contract cases
 * of signalArbitraries.ts and common signals with one or more fields made nasty.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSignal, parseSignalBySchema } from '../../src/signals/signal.js';
import { commonSignal } from '../../src/signals/signalFastPath.js';
import {
  anyText,
  CONTRACT_ACTIONS,
  CONTRACT_ORDER_TYPES,
  jsonValue,
  nearSignalCase,
  signalText,
  validSignalCase,
  wildSignalCase,
} from './signalArbitraries.js';

const RUNS = 500;

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Both paths on `raw`; true when the fast path took it. */
function expectSameAnswer(raw: string): boolean {
  const fast = parseSignal(raw);
  const bySchema = parseSignalBySchema(raw);
  expect(fast, `answers to ${raw}`).toEqual(bySchema);
  if (fast.ok && bySchema.ok) {
    expect(Object.keys(fast.signal), 'field order').toEqual(Object.keys(bySchema.signal));
    expect(Object.getPrototypeOf(fast.signal)).toBe(Object.prototype);
    expect(JSON.stringify(fast.signal), 'what the engine receives').toBe(JSON.stringify(bySchema.signal));
  }
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return false;
  }
  return isJsonObject(parsed) && commonSignal(parsed) !== null;
}

/** JSON texts of values the fast path must not be fooled by. */
const nastyJson = fc.oneof(
  fc.constantFrom(
    'null',
    'true',
    '0',
    '-0',
    '1e999',
    '-1e999',
    '1e-400',
    '5e-324',
    '1.7976931348623157e308',
    '9007199254740993',
    '-1',
    '0.0',
    '""',
    '" "',
    '"10"',
    '"NaN"',
    '"Infinity"',
    '"buy"',
    '"Buy"',
    '"ſell"',
    '"ﬆop"',
    '"market"',
    '"LIMIT "',
    '"stop_limit"',
    '"2026-11-25T14:35:00Z"',
    '"2026-02-30T00:00:00Z"',
    '"2026-11-25T25:00:00Z"',
    '"tomorrow"',
    '[]',
    '{}',
    '[1e999]',
    '{"a":{"b":[-1e999]}}',
    '{"__proto__":{"polluted":true}}',
    '{"constructor":{"prototype":{}}}',
    `${'['.repeat(9)}1${']'.repeat(9)}`,
    `${'['.repeat(120)}${']'.repeat(120)}`,
    `${'{"a":'.repeat(8)}1${'}'.repeat(8)}`,
    JSON.stringify('x'.repeat(128)),
    JSON.stringify('x'.repeat(129)),
    JSON.stringify('x'.repeat(64)),
    JSON.stringify('x'.repeat(65)),
    JSON.stringify('\u{1f600}'.repeat(64)),
    JSON.stringify('\u{1f600}'.repeat(65)),
    JSON.stringify('\u{1f600}'.repeat(128)),
    JSON.stringify(' id'),
    JSON.stringify('id '),
    JSON.stringify('i d'),
    JSON.stringify('id\u00e9'),
    '"\\ud800"',
    '"a\\u0000b"',
  ),
  jsonValue.map((value) => JSON.stringify(value)),
  anyText.map((text) => JSON.stringify(text)),
  fc.double().map((value) => (Number.isFinite(value) ? JSON.stringify(value) : value > 0 ? '1e999' : '-1e999')),
);

const FIELDS = [
  'signal_id',
  'symbol',
  'action',
  'quantity',
  'notional',
  'order_type',
  'limit_price',
  'stop_price',
  'expires_at',
  'strategy_id',
  'risk_meta',
  '__proto__',
  'constructor',
  '0',
];

/** A common signal as the NAE middleware sends it, every optional field present (null when unset). */
const commonFields = fc.record({
  signal_id: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,40}$/),
  symbol: fc.stringMatching(/^[A-Z]{1,6}$/),
  action: fc.constantFrom(...CONTRACT_ACTIONS),
  quantity: fc.double({ min: 0.0001, max: 1e9, noNaN: true }),
  order_type: fc.constantFrom(...CONTRACT_ORDER_TYPES),
  price: fc.double({ min: 0.01, max: 1e6, noNaN: true }),
  strategy_id: fc.oneof(fc.constant(null), fc.string({ maxLength: 12 })),
  risk_meta: fc.oneof(fc.constant(null), jsonValue),
});

function commonEntries(drawn: typeof commonFields extends fc.Arbitrary<infer T> ? T : never): [string, string][] {
  return [
    ['signal_id', JSON.stringify(drawn.signal_id)],
    ['symbol', JSON.stringify(drawn.symbol)],
    ['action', JSON.stringify(drawn.action)],
    ['quantity', JSON.stringify(drawn.quantity)],
    ['notional', 'null'],
    ['order_type', JSON.stringify(drawn.order_type)],
    ['limit_price', JSON.stringify(drawn.price)],
    ['stop_price', JSON.stringify(drawn.price)],
    ['strategy_id', JSON.stringify(drawn.strategy_id)],
    ['timestamp', '"2026-11-25T14:30:00Z"'],
    ['expires_at', 'null'],
    ['risk_meta', JSON.stringify(drawn.risk_meta)],
  ];
}

function objectText(entries: readonly (readonly [string, string])[]): string {
  return `{${entries.map(([key, json]) => `${JSON.stringify(key)}:${json}`).join(',')}}`;
}

/** A common signal with some fields set anew (duplicates included: JSON.parse keeps the last). */
const nastySignalText = fc
  .tuple(commonFields, fc.array(fc.tuple(fc.constantFrom(...FIELDS), nastyJson, fc.boolean()), { minLength: 1, maxLength: 3 }))
  .map(([drawn, edits]) => {
    const entries = commonEntries(drawn);
    for (const [field, json, replace] of edits) {
      const at = entries.findIndex(([key]) => key === field);
      if (replace && at !== -1) entries[at] = [field, json];
      else entries.push([field, json]);
    }
    return objectText(entries);
  });

describe('the fast path for the common signal', () => {
  it('takes the common signal, and answers it as the schema does', () => {
    fc.assert(
      fc.property(commonFields, (drawn) => {
        expect(expectSameAnswer(objectText(commonEntries(drawn))), 'the fast path took it').toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('agrees with the schema on common signals with nasty fields', () => {
    let taken = 0;
    fc.assert(
      fc.property(nastySignalText, (raw) => {
        if (expectSameAnswer(raw)) taken++;
      }),
      { numRuns: RUNS * 4 },
    );
    // Some nasty edits leave a valid common signal (a null, a valid price): the comparison covers both paths.
    expect(taken).toBeGreaterThan(0);
  });

  it('agrees with the schema on valid, nearly valid and wild signals', () => {
    fc.assert(
      fc.property(fc.oneof(validSignalCase, nearSignalCase, wildSignalCase), (signalCase) => {
        expectSameAnswer(signalText(signalCase));
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('agrees with the schema on any text', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          anyText,
          jsonValue.map((value) => JSON.stringify(value)),
        ),
        (raw) => {
          expectSameAnswer(raw);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
