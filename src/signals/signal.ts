/**
 * The signal format (contract section 3, the NAE format) and its validation. A signal that breaks a
 * rule is answered with a reason naming the field, never with an exception: a bad signal must not
 * stop the queue.
 */
import { z } from 'zod';
import { parseIsoInstant } from './isoTime.js';
import { commonSignal } from './signalFastPath.js';
import {
  MAX_SIGNAL_BYTES,
  MAX_SIGNAL_DEPTH,
  MAX_SIGNAL_ID_CHARS,
  MAX_SYMBOL_CHARS,
  ORDER_TYPES,
  SIGNAL_ACTIONS,
  SIGNAL_ID_PATTERN,
  type OrderType,
  type SignalAction,
} from './signalRules.js';

export { MAX_SIGNAL_BYTES, MAX_SIGNAL_DEPTH, ORDER_TYPES, SIGNAL_ACTIONS, type OrderType, type SignalAction } from './signalRules.js';

/**
 * A validated signal, as passed on to an engine (its JSON body). `action` and `order_type` are
 * upper-cased; fields that were `null` are gone; every other field is kept as received.
 */
export interface Signal {
  /** The idempotency key. */
  readonly signal_id: string;
  readonly symbol: string;
  readonly action: SignalAction;
  /** Exactly one of `quantity` and `notional` is present. */
  readonly quantity?: number;
  readonly notional?: number;
  readonly order_type: OrderType;
  /** Present for LIMIT and STOP_LIMIT orders. */
  readonly limit_price?: number;
  /** Present for STOP and STOP_LIMIT orders. */
  readonly stop_price?: number;
  /** ISO 8601, as received; see {@link isExpired}. */
  readonly expires_at?: string;
  /** `strategy_id`, `timestamp`, `risk_meta`, …: passed on unchanged. */
  readonly [field: string]: unknown;
}

/** What {@link parseSignal} makes of a raw queue item. */
export type ParsedSignal =
  | { readonly ok: true; readonly signal: Signal }
  /** `signalId` is the `signal_id` when it could be read as a string, else ''. */
  | { readonly ok: false; readonly signalId: string; readonly reason: string };

/** A zod error message for a field: "required" when missing, else what it must be. */
function fieldError(field: string, expected: string): (issue: { input?: unknown }) => string {
  return (issue) => (issue.input === undefined ? `${field} is required` : `${field} must be ${expected}`);
}

// Counted in code points, so an id of 128 emoji is 128 characters as a person would count them.
function characterCount(text: string): number {
  return [...text].length;
}

function boundedText(field: string, maxChars: number) {
  return z
    .string({ error: fieldError(field, `a string of 1 to ${maxChars} characters`) })
    .refine((text) => text.length > 0, { error: `${field} must not be empty` })
    .refine((text) => characterCount(text) <= maxChars, { error: `${field} must be at most ${maxChars} characters` });
}

// ASCII letters only: String.prototype.toUpperCase maps "ſell" to "SELL" and "ﬆop" to "STOP", so a
// look-alike (or a mangled encoding) would pass as a real action or order type.
function asciiUpperCase(text: string): string {
  return text.replace(/[a-z]+/g, (letters) => letters.toUpperCase());
}

function caseInsensitiveEnum<const Values extends readonly [string, ...string[]]>(field: string, values: Values) {
  const expected = `one of ${values.join(', ')}`;
  return z
    .string({ error: fieldError(field, expected) })
    .transform(asciiUpperCase)
    .pipe(z.enum(values, { error: `${field} must be ${expected}` }));
}

// zod 4's number() already refuses Infinity and NaN (JSON can carry 1e999, which parses to Infinity).
function positiveNumber(field: string) {
  return z.number({ error: fieldError(field, 'a finite number greater than 0') }).positive({ error: `${field} must be greater than 0` });
}

const EXPIRES_AT_EXPECTED = 'an ISO 8601 date-time such as 2026-11-25T14:35:00Z';

const signalSchema = z
  .object({
    signal_id: boundedText('signal_id', MAX_SIGNAL_ID_CHARS).refine((text) => SIGNAL_ID_PATTERN.test(text), {
      error: 'signal_id must be printable ASCII without spaces at its ends (it is sent as the Idempotency-Key header)',
    }),
    symbol: boundedText('symbol', MAX_SYMBOL_CHARS),
    action: caseInsensitiveEnum('action', SIGNAL_ACTIONS),
    quantity: positiveNumber('quantity').optional(),
    notional: positiveNumber('notional').optional(),
    order_type: caseInsensitiveEnum('order_type', ORDER_TYPES),
    // Checked whenever present, even where the order type does not need them: a malformed price
    // on a MARKET order points at a confused producer, and the engine would receive it.
    limit_price: positiveNumber('limit_price').optional(),
    stop_price: positiveNumber('stop_price').optional(),
    expires_at: z
      .string({ error: fieldError('expires_at', EXPIRES_AT_EXPECTED) })
      .refine((text) => parseIsoInstant(text) !== null, { error: `expires_at must be ${EXPIRES_AT_EXPECTED}` })
      .optional(),
  })
  .superRefine((signal, context) => {
    const hasQuantity = signal.quantity !== undefined;
    const hasNotional = signal.notional !== undefined;
    if (hasQuantity === hasNotional) {
      context.addIssue({
        code: 'custom',
        path: ['quantity'],
        message: hasQuantity ? 'exactly one of quantity or notional is required, not both' : 'exactly one of quantity or notional is required',
      });
    }
    if ((signal.order_type === 'LIMIT' || signal.order_type === 'STOP_LIMIT') && signal.limit_price === undefined) {
      context.addIssue({ code: 'custom', path: ['limit_price'], message: `limit_price is required for ${signal.order_type} orders` });
    }
    if ((signal.order_type === 'STOP' || signal.order_type === 'STOP_LIMIT') && signal.stop_price === undefined) {
      context.addIssue({ code: 'custom', path: ['stop_price'], message: `stop_price is required for ${signal.order_type} orders` });
    }
  });

function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/** How deeply arrays and objects nest in a parsed JSON value (a scalar is 0), walked without recursion. */
function nestingDepth(value: unknown): number {
  let deepest = 0;
  const stack: [value: unknown, depth: number][] = [[value, 0]];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [current, depth] = item;
    if (typeof current !== 'object' || current === null) continue;
    deepest = Math.max(deepest, depth + 1);
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/** Whether a JSON value holds ±Infinity anywhere, walked without recursion like {@link nestingDepth}. */
function holdsInfinity(value: unknown): boolean {
  const stack: unknown[] = [value];
  for (let current = stack.pop(); current !== undefined; current = stack.pop()) {
    if (typeof current === 'number' && !Number.isFinite(current)) return true;
    if (typeof current === 'object' && current !== null) for (const child of Object.values(current)) stack.push(child);
  }
  return false;
}

function invalid(signalId: string, reason: string): ParsedSignal {
  return { ok: false, signalId, reason };
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Validates a raw queue item against the contract's signal rules. Never throws: every failure is
 * an `{ ok: false }` with a human-readable reason naming the field(s) at fault.
 */
export function parseSignal(raw: string): ParsedSignal {
  return validate(raw, true);
}

/**
 * {@link parseSignal} without the fast path: every signal through the zod schema. The property
 * test holds the two to the same answers; nothing else needs it.
 */
export function parseSignalBySchema(raw: string): ParsedSignal {
  return validate(raw, false);
}

function validate(raw: string, fastPath: boolean): ParsedSignal {
  try {
    // The declared type is not trusted: the raw text comes from Redis through other code.
    if (typeof raw !== 'string') return invalid('', `signal must be text, got ${describeJsonType(raw)}`);
    // A UTF-16 code unit is at most 3 UTF-8 bytes: short text needs no count.
    const bytes = raw.length * 3 <= MAX_SIGNAL_BYTES ? 0 : Buffer.byteLength(raw, 'utf8');
    if (bytes > MAX_SIGNAL_BYTES) {
      return invalid('', `signal is ${bytes} bytes, larger than the ${MAX_SIGNAL_BYTES}-byte (64 KiB) limit`);
    }

    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (error) {
      return invalid('', `signal is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (!isJsonObject(parsed)) return invalid('', `signal must be a JSON object, got ${describeJsonType(parsed)}`);
    // The common signal, accepted without zod; anything else (bad input included) takes the full
    // path below, which words the reason. Both accept the same signals as the same value.
    const common = fastPath ? commonSignal(parsed) : null;
    if (common !== null) return { ok: true, signal: common };

    const signalId = typeof parsed.signal_id === 'string' ? parsed.signal_id : '';
    if (nestingDepth(parsed) > MAX_SIGNAL_DEPTH) {
      return invalid(signalId, `signal nests objects and arrays more than ${MAX_SIGNAL_DEPTH} levels deep`);
    }
    // Object.fromEntries defines properties, so a "__proto__" key stays an ordinary field.
    const present = Object.fromEntries(Object.entries(parsed).filter(([, value]) => value !== null));

    const result = signalSchema.safeParse(present);
    if (!result.success) return invalid(signalId, result.error.issues.map((issue) => issue.message).join('; '));

    // Spreading the validated fields last keeps the original key order and upper-cases the enums.
    const signal: Signal = { ...present, ...result.data };
    // JSON.parse reads 1e999 as Infinity, which JSON.stringify sends on as null: the engine would get
    // a value the producer never sent. The contract's own number fields are already known finite.
    const overflowing = Object.keys(signal).filter((field) => holdsInfinity(signal[field]));
    if (overflowing.length > 0) {
      const fields = overflowing.map((field) => JSON.stringify(field)).join(', ');
      return invalid(
        signalId,
        `${fields} ${overflowing.length === 1 ? 'holds' : 'hold'} a number too large for JSON (read as Infinity), which cannot be passed on unchanged`,
      );
    }
    return { ok: true, signal };
  } catch (error) {
    // Nothing above is expected to throw; this keeps a surprise from stopping the queue.
    return invalid('', `signal could not be validated: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Whether the signal's `expires_at` has passed at `now` (epoch ms). A signal without `expires_at`
 * never expires. Expiry is inclusive: at the stated instant the signal is already expired.
 */
export function isExpired(signal: Signal, now: number): boolean {
  if (typeof signal.expires_at !== 'string') return false;
  const expiresAt = parseIsoInstant(signal.expires_at);
  return expiresAt !== null && now >= expiresAt;
}
