/**
 * The limits and names of the signal format (contract section 3) that both readers of a signal use:
 * the zod schema of `signal.ts`, which words the error of bad input, and the fast path of
 * `signalFastPath.ts`, which accepts the common signal without it.
 */

/** Signals whose JSON text is larger than this many UTF-8 bytes are invalid without parsing. */
export const MAX_SIGNAL_BYTES = 64 * 1024;

/** The accepted `action` values, defined with the routing rule that reads them. */
export { SIGNAL_ACTIONS, type SignalAction } from '../../machines/routing.js';

/** The accepted `order_type` values, after upper-casing. */
export const ORDER_TYPES = ['MARKET', 'LIMIT', 'STOP', 'STOP_LIMIT'] as const;

/** One of {@link ORDER_TYPES}. */
export type OrderType = (typeof ORDER_TYPES)[number];

/**
 * Signals nested deeper than this are invalid. Not a contract rule but a safety one: JSON.parse
 * copes with any depth that fits in 64 KiB, while JSON.stringify, needed to send the signal to an
 * engine, overflows the stack a few thousand levels down. No trading signal nests this deep.
 */
export const MAX_SIGNAL_DEPTH = 100;

/** `signal_id` and `symbol` lengths, in code points. */
export const MAX_SIGNAL_ID_CHARS = 128;
export const MAX_SYMBOL_CHARS = 64;

/**
 * The id travels as the Idempotency-Key header: a character a header cannot carry, or spaces at its
 * ends (which HTTP trims), would make the key differ from the id, or fail every attempt and count
 * against a healthy engine. Printable ASCII, no space at either end (or empty, refused elsewhere).
 */
export const SIGNAL_ID_PATTERN = /^([\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?)?$/;
