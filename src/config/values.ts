/**
 * The kinds of value a variable can hold, as zod schemas from the variable's text, with their limits.
 * Each refusal message says what is accepted; the variable's name is added where it is read.
 */
import { z } from 'zod';

/**
 * The longest wait a Node.js timer can hold (2^31 - 1 ms, about 24.8 days). A longer one fires after
 * 1 ms instead, so an over-long timeout would silently become an immediate one.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;
const MAX_TIMER_SECONDS = Math.floor(MAX_TIMER_MS / 1000);
/** The longest TTL: its milliseconds, as sent to Redis, stay an exact integer. */
export const MAX_TTL_SECONDS = Math.floor(Number.MAX_SAFE_INTEGER / 1000);

// A run of digits can still overflow to Infinity or lose precision, so every number has an upper bound.
export const seconds = (what: string, maxSeconds: number = MAX_TIMER_SECONDS) =>
  z
    .string()
    .trim()
    .regex(/^\d+(\.\d+)?$/, `${what}: a number of seconds such as 300 or 0.5`)
    .transform(Number)
    .refine((value) => value > 0, `${what}: a number of seconds greater than 0`)
    .refine(
      (value) => value <= maxSeconds,
      maxSeconds === MAX_TIMER_SECONDS
        ? `${what}: at most ${maxSeconds} seconds (about 24 days, the longest a timer can wait)`
        : `${what}: at most ${maxSeconds} seconds`,
    );

export const positiveInteger = (what: string, max: number = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, `${what}: a whole number`)
    .transform(Number)
    .refine((value) => value >= 1, `${what}: a whole number of at least 1`)
    .refine((value) => value <= max, `${what}: a whole number of at most ${max}`);

export const wholeNumber = (what: string, max: number = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, `${what}: a whole number from 0`)
    .transform(Number)
    .refine((value) => value <= max, `${what}: a whole number of at most ${max}`);

/** A share in percent, 1 to 100, decimals allowed (`12.5`). */
export const percent = z
  .string()
  .trim()
  .regex(/^\d+(\.\d+)?$/, 'a percentage from 1 to 100, such as 50 or 12.5')
  .refine((value) => Number(value) >= 1 && Number(value) <= 100, 'a percentage from 1 to 100');

export const booleanFlag = z
  .string()
  .trim()
  .toLowerCase()
  .refine((value) => ['true', 'false', '1', '0', 'yes', 'no'].includes(value), 'true or false')
  .transform((value) => ['true', '1', 'yes'].includes(value));

export const nonEmpty = z.string().trim().min(1, 'a non-empty string');

export const url = (schemes: readonly string[]) =>
  z
    .string()
    .trim()
    .refine(
      (value) => {
        try {
          return schemes.includes(new URL(value).protocol);
        } catch {
          return false;
        }
      },
      `a URL starting with ${schemes.map((scheme) => `${scheme}//`).join(' or ')}`,
    );

// The database number is the path (`/2`); with Sentinels it is the only use of the URL besides the
// credentials, so a path that is no number must fail here rather than as a SELECT error later.
export const redisUrl = url(['redis:', 'rediss:']).refine((value) => {
  // Zod runs every refinement: one that does not parse is already refused above.
  if (!URL.canParse(value)) return true;
  return /^\/?\d{0,9}$/.test(new URL(value).pathname);
}, 'a database number as the path, such as redis://host:6379/0');

/** A whole number of at least 1, kept as text: for a variable that may be unset. */
export const positiveIntegerText = z
  .string()
  .trim()
  .regex(/^\d+$/, 'a whole number')
  .refine((value) => Number(value) >= 1 && Number(value) <= Number.MAX_SAFE_INTEGER, 'a whole number of at least 1');

// Decimals too: a broker may allow one order every two seconds (0.5).
export const ordersPerSecond = z
  .string()
  .trim()
  .regex(/^\d+(\.\d+)?$/, 'a number of orders per second such as 10 or 0.5')
  .refine((value) => Number(value) > 0 && Number(value) <= 1_000_000, 'a number of orders per second greater than 0 and at most 1000000');

export const slowCallMs = z
  .string()
  .trim()
  .regex(/^\d+$/, 'a whole number of milliseconds')
  .refine((value) => Number(value) >= 1 && Number(value) <= MAX_TIMER_MS, `a whole number of milliseconds from 1 to ${MAX_TIMER_MS}`);
