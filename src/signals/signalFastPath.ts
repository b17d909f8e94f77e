/**
 * The common signal, accepted without zod: a profile of the service found the schema's checks, its
 * issue objects and the copies it makes among the largest costs per signal. This path only says
 * yes or "not sure": every signal it does not accept goes through the zod schema of `signal.ts`,
 * which accepts or words the reason exactly as it always did. A signal it accepts is one the schema
 * accepts, as the same value (test/property/signalFastPath.property.test.ts holds both to that).
 *
 * It accepts when: `action` and `order_type` are already upper case; `signal_id` and `symbol` are
 * at most their limit in UTF-16 code units (hence in code points); every other field is a string, a
 * boolean, a finite number, null, or arrays and objects of those a few levels deep; and no field is
 * named `__proto__`. Anything else, valid or not, is left to the schema.
 */
import { parseIsoInstant } from './isoTime.js';
import type { Signal } from './signal.js';
import { MAX_SIGNAL_ID_CHARS, MAX_SYMBOL_CHARS, ORDER_TYPES, SIGNAL_ACTIONS, SIGNAL_ID_PATTERN } from './signalRules.js';

const ACTIONS: ReadonlySet<unknown> = new Set(SIGNAL_ACTIONS);
const TYPES: ReadonlySet<unknown> = new Set(ORDER_TYPES);

// Far below MAX_SIGNAL_DEPTH, so a signal accepted here needs no depth count; deeper ones go the
// full way.
const MAX_PASSTHROUGH_DEPTH = 8;

/** A number the contract's number fields accept: finite (JSON's 1e999 reads as Infinity) and > 0. */
function isPositive(value: unknown): boolean {
  return typeof value === 'number' && Number.isFinite(value) && value > 0;
}

/** An optional price: absent (undefined or null) or positive. */
function isAbsentOrPositive(value: unknown): boolean {
  return value === undefined || value === null || isPositive(value);
}

/** Whether `value` is passed on unchanged: JSON scalars (finite numbers), or shallow arrays and objects of them. */
function isPlainJson(value: unknown, depth: number): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (typeof value !== 'object' || depth >= MAX_PASSTHROUGH_DEPTH) return false;
  if (Array.isArray(value)) {
    for (const item of value) if (!isPlainJson(item, depth + 1)) return false;
    return true;
  }
  for (const key of Object.keys(value)) {
    if (!isPlainJson((value as Record<string, unknown>)[key], depth + 1)) return false;
  }
  return true;
}

function isBoundedText(value: unknown, maxUnits: number): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= maxUnits;
}

/** Whether the contract's own fields of `fields` are those of a valid signal, in their usual spelling. */
function hasValidContractFields(fields: Record<string, unknown>): fields is Signal {
  const {
    signal_id: signalId,
    symbol,
    action,
    order_type: orderType,
    quantity,
    notional,
    limit_price: limit,
    stop_price: stop,
    expires_at: expiresAt,
  } = fields;
  if (!isBoundedText(signalId, MAX_SIGNAL_ID_CHARS) || !SIGNAL_ID_PATTERN.test(signalId)) return false;
  if (!isBoundedText(symbol, MAX_SYMBOL_CHARS) || !ACTIONS.has(action) || !TYPES.has(orderType)) return false;
  const hasQuantity = quantity !== undefined && quantity !== null;
  const hasNotional = notional !== undefined && notional !== null;
  if (hasQuantity === hasNotional || !isPositive(hasQuantity ? quantity : notional)) return false;
  if (!isAbsentOrPositive(limit) || !isAbsentOrPositive(stop)) return false;
  if ((orderType === 'LIMIT' || orderType === 'STOP_LIMIT') && !isPositive(limit)) return false;
  if ((orderType === 'STOP' || orderType === 'STOP_LIMIT') && !isPositive(stop)) return false;
  if (expiresAt !== undefined && expiresAt !== null && (typeof expiresAt !== 'string' || parseIsoInstant(expiresAt) === null)) return false;
  return true;
}

const CONTRACT_FIELDS: ReadonlySet<string> = new Set([
  'signal_id',
  'symbol',
  'action',
  'order_type',
  'quantity',
  'notional',
  'limit_price',
  'stop_price',
  'expires_at',
]);

/**
 * The signal `parsed` (a JSON object just parsed) is, when it has the common shape and is valid:
 * its fields in their order, those set to null left out. Null when not sure: the caller then runs
 * the full validation.
 */
export function commonSignal(parsed: Record<string, unknown>): Signal | null {
  const signal: Record<string, unknown> = {};
  for (const key of Object.keys(parsed)) {
    const value = parsed[key];
    if (value === null) continue;
    // Assigning "__proto__" would set the prototype instead of a field: left to the full path.
    if (key === '__proto__' || (!CONTRACT_FIELDS.has(key) && !isPlainJson(value, 0))) return null;
    signal[key] = value;
  }
  return hasValidContractFields(signal) ? signal : null;
}
