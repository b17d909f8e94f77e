/**
 * Generated signals whose verdict is known by construction: every field is set to a value tagged
 * valid or invalid as the contract (section 3) reads it, so a test can tell what `parseSignal` must
 * answer without asking the code under test. Values are kept as JSON text, so a test can also send
 * tokens a JavaScript value cannot spell (`-0`, `1e999`).
 */
import fc from 'fast-check';

/** The signal fields the contract gives rules for. */
export const KNOWN_FIELDS = ['signal_id', 'symbol', 'action', 'quantity', 'notional', 'order_type', 'limit_price', 'stop_price', 'expires_at'] as const;

/** One of {@link KNOWN_FIELDS}. */
export type KnownField = (typeof KNOWN_FIELDS)[number];

/** The contract's action values, written out here rather than imported from the code under test. */
export const CONTRACT_ACTIONS: readonly string[] = ['BUY', 'SELL', 'BUY_TO_OPEN', 'SELL_TO_OPEN', 'BUY_TO_CLOSE', 'SELL_TO_CLOSE'];

/** The contract's order types. */
export const CONTRACT_ORDER_TYPES: readonly string[] = ['MARKET', 'LIMIT', 'STOP', 'STOP_LIMIT'];

/**
 * How one field is set: left out, `null` (which counts as absent), or a value given as JSON text.
 * `enumValue` is the upper-case enum value a valid `action` or `order_type` stands for.
 */
export type FieldSetting =
  | { readonly kind: 'absent' }
  | { readonly kind: 'null' }
  | { readonly kind: 'value'; readonly json: string; readonly valid: boolean; readonly enumValue?: string };

/** A generated signal: its known fields, then extra fields as [key, JSON text]. */
export interface SignalCase {
  readonly fields: Readonly<Record<KnownField, FieldSetting>>;
  readonly extras: readonly (readonly [key: string, json: string])[];
}

/** What the contract says of a case: accepted, or invalid with the fields at fault. */
export type Verdict = { readonly ok: true } | { readonly ok: false; readonly faultyFields: readonly string[] };

const ABSENT: FieldSetting = { kind: 'absent' };
const NULL: FieldSetting = { kind: 'null' };

function valueSetting(json: string, valid: boolean, enumValue?: string): FieldSetting {
  return enumValue === undefined ? { kind: 'value', json, valid } : { kind: 'value', json, valid, enumValue };
}

const fromCodePoints = (codes: readonly number[]): string => String.fromCodePoint(...codes);

/** Printable ASCII, space included. */
const printableAscii = fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code));

/** A single UTF-16 unit from a surrogate pair, alone. */
export const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code));

/** Characters outside printable ASCII: controls, DEL, BMP letters, astral emoji, line separators, lone surrogates. */
export const unusualCharacter = fc.oneof(
  fc.integer({ min: 0, max: 0x1f }).map((code) => String.fromCharCode(code)),
  fc.constantFrom('\x7f', '\u00e9', '\u2028', '\u2029', '\ufeff', '\u00a0', '\u{1f600}', '\u{10ffff}', '\u0301'),
  fc.integer({ min: 0x80, max: 0xd7ff }).map((code) => String.fromCharCode(code)),
  loneSurrogate,
);

/** Text of any kind, lone surrogates included. */
export const anyText = fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: fc.oneof(printableAscii, unusualCharacter) }));

/** Plain JSON values; `maxDepth` keeps them well under the parser's nesting limit. */
export const jsonValue = fc.jsonValue({ maxDepth: 3, stringUnit: fc.oneof(printableAscii, unusualCharacter) });

type JsonType = 'string' | 'number' | 'boolean' | 'array' | 'object';

function jsonTypeOf(value: unknown): JsonType | 'null' {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value === 'object' ? 'object' : (typeof value as JsonType);
}

/** JSON text of a value of any JSON type but `excluded` (and never null, which means absent). */
function wrongType(excluded: JsonType): fc.Arbitrary<string> {
  return fc
    .oneof(
      fc.string({ maxLength: 12 }).map((text) => JSON.stringify(text)),
      fc.constantFrom('"10"', '"NaN"', '"1e308"', '"Infinity"', '"-0"', '"BUY"', '"2026-11-25T14:35:00Z"', '""'),
      fc.double({ noNaN: true, noDefaultInfinity: true }).map((value) => JSON.stringify(value)),
      fc.constantFrom('0', '-0', '1e308', '1e999', '-1e999', '17325453000000'),
      fc.boolean().map((value) => JSON.stringify(value)),
      fc.array(jsonValue, { maxLength: 3 }).map((value) => JSON.stringify(value)),
      fc.constantFrom('{}', '{"value":1}', '{"__proto__":{"polluted":true}}', '[null]', '[[[]]]'),
    )
    .filter((json) => jsonTypeOf(JSON.parse(json)) !== excluded);
}

/** Sets a field: absent and null as often as the weights say, else a valid or an invalid value. */
function setting(valid: fc.Arbitrary<FieldSetting>, invalid: fc.Arbitrary<FieldSetting>, absentWeight: number): fc.Arbitrary<FieldSetting> {
  return fc.oneof(
    { arbitrary: fc.constant(ABSENT), weight: absentWeight },
    { arbitrary: fc.constant(NULL), weight: absentWeight },
    { arbitrary: valid, weight: 4 },
    { arbitrary: invalid, weight: 3 },
  );
}

// signal_id: the contract's rule (1 to 128 characters) plus the service's documented one (printable
// ASCII without spaces at its ends, since it travels as the Idempotency-Key header).
const signalIdText = fc
  .oneof(fc.string({ unit: printableAscii, minLength: 1, maxLength: 128 }), fc.constant('x'.repeat(128)))
  .filter((text) => !text.startsWith(' ') && !text.endsWith(' '));

const validSignalId = signalIdText.map((text) => valueSetting(JSON.stringify(text), true));

const invalidSignalId = fc
  .oneof(
    fc.constant(''),
    fc.string({ unit: printableAscii, minLength: 129, maxLength: 200 }),
    signalIdText.map((text) => ` ${text}`),
    signalIdText.map((text) => `${text} `),
    fc.tuple(signalIdText, unusualCharacter, fc.nat()).map(([text, odd, at]) => {
      const cut = at % (text.length + 1);
      return text.slice(0, cut) + odd + text.slice(cut);
    }),
  )
  .map((text) => JSON.stringify(text))
  .map((json) => valueSetting(json, false));

/** 1 to `max` characters (code points); merging two lone surrogates into a pair only shortens it. */
function boundedCharacters(max: number): fc.Arbitrary<string> {
  const codePoint = fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0x10000, max: 0x10ffff }));
  return fc.array(codePoint, { minLength: 1, maxLength: max }).map(fromCodePoints);
}

const validSymbol = fc
  .oneof(boundedCharacters(64), fc.constant('\u{1f600}'.repeat(64)), fc.constant(' '))
  .map((text) => valueSetting(JSON.stringify(text), true));

const invalidSymbol = fc
  .oneof(fc.constant(''), fc.string({ unit: printableAscii, minLength: 65, maxLength: 100 }), fc.constant('\u{1f600}'.repeat(65)))
  .map((text) => valueSetting(JSON.stringify(text), false));

/** Upper-cases ASCII letters only, as a person reading "case-insensitive" for these enums would. */
export function asciiUpper(text: string): string {
  let upper = '';
  for (const char of text) upper += char >= 'a' && char <= 'z' ? String.fromCharCode(char.charCodeAt(0) - 32) : char;
  return upper;
}

// Letters whose Unicode upper case is ASCII: "ſ" → "S", "ı" → "I", "ﬆ" → "ST". They must not pass.
function lookAlikes(value: string): string[] {
  const variants: string[] = [];
  for (const [ascii, lookAlike] of [
    ['S', '\u017f'],
    ['I', '\u0131'],
    ['ST', '\ufb06'],
    ['ST', '\ufb05'],
  ] as const) {
    const at = value.indexOf(ascii);
    if (at !== -1) variants.push((value.slice(0, at) + lookAlike + value.slice(at + ascii.length)).toLowerCase());
  }
  return variants;
}

function enumSetting(values: readonly string[]): { valid: fc.Arbitrary<FieldSetting>; invalid: fc.Arbitrary<FieldSetting> } {
  const valid = fc.tuple(fc.constantFrom(...values), fc.array(fc.boolean(), { minLength: 16, maxLength: 16 })).map(([value, lower]) => {
    const spelled = [...value].map((char, i) => (lower[i] ? char.toLowerCase() : char)).join('');
    return valueSetting(JSON.stringify(spelled), true, value);
  });
  const wrongText = fc
    .oneof(
      fc.string({ maxLength: 14 }),
      fc.constantFrom(...values.flatMap(lookAlikes)),
      fc.constantFrom(...values).map((value) => ` ${value}`),
      fc.constantFrom(...values).map((value) => value.replaceAll('_', '-')),
      fc.constant(''),
    )
    .filter((text) => !values.includes(asciiUpper(text)));
  const invalid = fc
    .oneof(
      wrongText.map((text) => JSON.stringify(text)),
      wrongType('string'),
    )
    .map((json) => valueSetting(json, false));
  return { valid, invalid };
}

const actionSettings = enumSetting(CONTRACT_ACTIONS);
const orderTypeSettings = enumSetting(CONTRACT_ORDER_TYPES);

// JSON number tokens as text; their verdict comes from Number(), which reads a JSON number like JSON.parse.
const numberTokens = [
  '1',
  '0.5',
  '1E2',
  '1e+2',
  '0.5e1',
  '10.0',
  '1e308',
  '100000000000000000000000000',
  '5e-324',
  '0',
  '-0',
  '0.0',
  '-1',
  '1e999',
  '-1e999',
  '1e-400',
  '-5e-324',
];

function tokenSetting(token: string): FieldSetting {
  const value = Number(token);
  return valueSetting(token, Number.isFinite(value) && value > 0);
}

const validPositive = fc
  .oneof(fc.double({ min: Number.MIN_VALUE, max: Number.MAX_VALUE, noNaN: true }), fc.constantFrom(1e308, Number.MAX_VALUE, Number.MIN_VALUE, 0.5, 1, 187.5))
  .map((value) => valueSetting(JSON.stringify(value), true));

const invalidPositive = fc.oneof(
  fc.double({ max: -Number.MIN_VALUE, noNaN: true, noDefaultInfinity: true }).map((value) => valueSetting(JSON.stringify(value), false)),
  wrongType('number').map((json) => valueSetting(json, false)),
);

/** A price or amount: any of the above, number tokens included, verdict by construction. */
const anyPositiveSetting = fc.oneof(
  { arbitrary: validPositive, weight: 3 },
  { arbitrary: invalidPositive, weight: 2 },
  { arbitrary: fc.constantFrom(...numberTokens).map(tokenSetting), weight: 2 },
);

function isoVariants(date: Date, offsetHours: number, offsetMinutes: number, sign: '+' | '-'): string[] {
  const iso = date.toISOString();
  const offset = `${sign}${String(offsetHours).padStart(2, '0')}:${String(offsetMinutes).padStart(2, '0')}`;
  return [iso, iso.replace(/\.\d{3}Z$/, 'Z'), iso.slice(0, 10), iso.replace('Z', offset), `${iso.slice(0, 16)}Z`];
}

const validExpiresAt = fc
  .tuple(
    fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }),
    fc.integer({ min: 0, max: 23 }),
    fc.integer({ min: 0, max: 59 }),
    fc.constantFrom('+' as const, '-' as const),
    fc.nat(),
  )
  .map(([date, hours, minutes, sign, pick]) => {
    const variants = isoVariants(date, hours, minutes, sign);
    return variants[pick % variants.length] ?? date.toISOString();
  })
  .map((text) => valueSetting(JSON.stringify(text), true));

const invalidExpiresAt = fc
  .oneof(
    fc
      .constantFrom(
        '2026-02-30T00:00:00Z',
        '2023-02-29T00:00:00Z',
        '2026-13-01T00:00:00Z',
        '2026-11-25T24:00:00Z',
        '2026-11-25T14:60:00Z',
        '2026-11-25T14:35:00+25:00',
        'tomorrow',
        '',
        '25/11/2026',
        '1732545300000',
        'NaN',
      )
      .map((text) => JSON.stringify(text)),
    // Text that does not start with a date cannot be an ISO 8601 instant.
    anyText.filter((text) => !/^\d{4}-/.test(text)).map((text) => JSON.stringify(text)),
    wrongType('string'),
  )
  .map((json) => valueSetting(json, false));

const leapDay = fc.constant(valueSetting('"2024-02-29T12:00:00Z"', true));

/** The arbitrary of each field's setting, with how often it is absent. */
export const FIELD_SETTINGS: Readonly<Record<KnownField, fc.Arbitrary<FieldSetting>>> = {
  signal_id: setting(validSignalId, invalidSignalId, 1),
  symbol: setting(validSymbol, invalidSymbol, 1),
  action: setting(actionSettings.valid, actionSettings.invalid, 1),
  quantity: fc.oneof(fc.constant(ABSENT), fc.constant(NULL), anyPositiveSetting),
  notional: fc.oneof(fc.constant(ABSENT), fc.constant(NULL), anyPositiveSetting),
  order_type: setting(orderTypeSettings.valid, orderTypeSettings.invalid, 1),
  limit_price: fc.oneof(fc.constant(ABSENT), fc.constant(NULL), anyPositiveSetting),
  stop_price: fc.oneof(fc.constant(ABSENT), fc.constant(NULL), anyPositiveSetting),
  expires_at: fc.oneof(fc.constant(ABSENT), fc.constant(NULL), validExpiresAt, invalidExpiresAt, leapDay),
};

/** Keys that have tripped up JavaScript code before, plus ordinary extra fields and random text. */
const extraKey = fc
  .oneof(
    fc.constantFrom(
      '__proto__',
      'constructor',
      'prototype',
      'toString',
      'hasOwnProperty',
      'valueOf',
      '__defineGetter__',
      'strategy_id',
      'timestamp',
      'risk_meta',
      '',
    ),
    anyText,
  )
  .filter((key) => !(KNOWN_FIELDS as readonly string[]).includes(key));

/**
 * Extra values JSON.parse reads as ±Infinity, which JSON.stringify would send on as null: the
 * signal cannot be passed on unchanged, so it is invalid.
 */
const OVERFLOWING_VALUES: readonly string[] = ['1e999', '-1e999', '{"limits":[1,1e400]}', '[[-2e308]]'];

/** Extra fields, unique keys, values of any JSON type (null included, which drops the field). */
export const extraFields = fc.uniqueArray(
  fc.tuple(
    extraKey,
    fc.oneof(
      { arbitrary: jsonValue.map((value) => JSON.stringify(value)), weight: 8 },
      { arbitrary: fc.constant('null'), weight: 2 },
      { arbitrary: fc.constantFrom(...OVERFLOWING_VALUES), weight: 1 },
    ),
  ),
  { maxLength: 5, selector: ([key]) => key },
);

/** A signal every field of which is set independently: mostly invalid, sometimes valid. */
export const wildSignalCase: fc.Arbitrary<SignalCase> = fc.record({ fields: fc.record(FIELD_SETTINGS), extras: extraFields });

function optionalValid(valid: fc.Arbitrary<FieldSetting>): fc.Arbitrary<FieldSetting> {
  return fc.oneof(fc.constant(ABSENT), fc.constant(NULL), valid);
}

/** A signal valid by construction: the contract accepts it. */
export const validSignalCase: fc.Arbitrary<SignalCase> = fc
  .record({
    signal_id: validSignalId,
    symbol: validSymbol,
    action: actionSettings.valid,
    order_type: orderTypeSettings.valid,
    amount: validPositive,
    amountIsNotional: fc.boolean(),
    other: fc.constantFrom(ABSENT, NULL),
    limit_price: validPositive,
    stop_price: validPositive,
    limitPriceUnneeded: optionalValid(validPositive),
    stopPriceUnneeded: optionalValid(validPositive),
    expires_at: optionalValid(fc.oneof(validExpiresAt, leapDay)),
    extras: extraFields,
  })
  .map((drawn) => {
    const orderType = drawn.order_type.kind === 'value' ? drawn.order_type.enumValue : undefined;
    const needsLimit = orderType === 'LIMIT' || orderType === 'STOP_LIMIT';
    const needsStop = orderType === 'STOP' || orderType === 'STOP_LIMIT';
    return {
      fields: {
        signal_id: drawn.signal_id,
        symbol: drawn.symbol,
        action: drawn.action,
        quantity: drawn.amountIsNotional ? drawn.other : drawn.amount,
        notional: drawn.amountIsNotional ? drawn.amount : drawn.other,
        order_type: drawn.order_type,
        limit_price: needsLimit ? drawn.limit_price : drawn.limitPriceUnneeded,
        stop_price: needsStop ? drawn.stop_price : drawn.stopPriceUnneeded,
        expires_at: drawn.expires_at,
      },
      extras: drawn.extras,
    };
  });

/** A valid signal with one known field set anew (to absent, null, another type, a bad value, …). */
export const nearSignalCase: fc.Arbitrary<SignalCase> = fc
  .tuple(validSignalCase, fc.constantFrom(...KNOWN_FIELDS))
  .chain(([base, field]) => FIELD_SETTINGS[field].map((replacement) => ({ ...base, fields: { ...base.fields, [field]: replacement } })));

/** The JSON text of a case, known fields first, in the order of {@link KNOWN_FIELDS}. */
export function signalText(signalCase: SignalCase): string {
  const entries: string[] = [];
  for (const field of KNOWN_FIELDS) {
    const set = signalCase.fields[field];
    if (set.kind === 'null') entries.push(`${JSON.stringify(field)}:null`);
    if (set.kind === 'value') entries.push(`${JSON.stringify(field)}:${set.json}`);
  }
  for (const [key, json] of signalCase.extras) entries.push(`${JSON.stringify(key)}:${json}`);
  return `{${entries.join(',')}}`;
}

function isSet(setting: FieldSetting): setting is Extract<FieldSetting, { kind: 'value' }> {
  return setting.kind === 'value';
}

const REQUIRED: readonly KnownField[] = ['signal_id', 'symbol', 'action', 'order_type'];

/** The contract's verdict on a case, worked out from the tags alone. */
export function verdictOf(signalCase: SignalCase): Verdict {
  const { fields } = signalCase;
  const faulty = KNOWN_FIELDS.filter((field) => {
    const set = fields[field];
    if (isSet(set)) return !set.valid;
    return REQUIRED.includes(field);
  });
  if (faulty.length > 0) return { ok: false, faultyFields: faulty };

  const amounts = [fields.quantity, fields.notional].filter(isSet).length;
  if (amounts !== 1) return { ok: false, faultyFields: ['quantity'] };
  const orderType = isSet(fields.order_type) ? fields.order_type.enumValue : undefined;
  const missing: KnownField[] = [];
  if ((orderType === 'LIMIT' || orderType === 'STOP_LIMIT') && !isSet(fields.limit_price)) missing.push('limit_price');
  if ((orderType === 'STOP' || orderType === 'STOP_LIMIT') && !isSet(fields.stop_price)) missing.push('stop_price');
  if (missing.length > 0) return { ok: false, faultyFields: missing };
  const overflowing = signalCase.extras.filter(([, json]) => OVERFLOWING_VALUES.includes(json)).map(([key]) => key);
  return overflowing.length > 0 ? { ok: false, faultyFields: overflowing } : { ok: true };
}
