/**
 * Reads ISO 8601 instants (`expires_at`) without relying on `Date.parse`, whose acceptance of
 * non-ISO text and treatment of offset-less times (local time) varies and would make expiry depend
 * on the host's time zone.
 */

// Extended format only: `2026-11-25`, `2026-11-25T14:35`, `2026-11-25T14:35:00.123456+01:00`, …
// RFC 3339's space separator and lower-case `t`/`z` are accepted too.
const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$/;

/**
 * The epoch milliseconds of an ISO 8601 date or date-time, or `null` when the text is not one or
 * names a date or time that does not exist (2026-02-30, 25:00).
 *
 * A time without an offset is read as UTC: producers of trading signals (Python `isoformat()` of a
 * naive UTC datetime, for instance) mean UTC, and the host's time zone must not change when a
 * signal expires. A date alone means midnight UTC. Fractions beyond milliseconds are truncated.
 */
export function parseIsoInstant(text: string): number | null {
  const match = ISO_INSTANT.exec(text);
  if (match === null) return null;
  const [, year, month, day, hour, minute, second, fraction, zulu, sign, offsetHours, offsetMinutes] = match;
  const y = Number(year);
  const mo = Number(month);
  const d = Number(day);
  const h = Number(hour ?? 0);
  const mi = Number(minute ?? 0);
  const s = Number(second ?? 0);
  const ms = Number((fraction ?? '').slice(0, 3).padEnd(3, '0'));
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return null;
  if (h > 23 || mi > 59 || s > 59) return null;

  let offsetMinutesTotal = 0;
  if (zulu === undefined && sign !== undefined) {
    const oh = Number(offsetHours);
    const om = Number(offsetMinutes ?? 0);
    if (oh > 23 || om > 59) return null;
    offsetMinutesTotal = (sign === '-' ? -1 : 1) * (oh * 60 + om);
  }

  // setUTCFullYear, unlike Date.UTC, does not map years 0–99 to 1900–1999.
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, ms);
  return date.getTime() - offsetMinutesTotal * 60_000;
}

function daysInMonth(year: number, month: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month, 0);
  return date.getUTCDate();
}
