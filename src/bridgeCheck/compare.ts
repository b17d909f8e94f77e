/**
 * Comparing execution reports for bridge-check: the same key must get the same report, so a
 * difference is shown field by field, in words an integrator can find in their bridge's output.
 */
import { isDeepStrictEqual } from 'node:util';

/** Whether two parsed JSON reports are the same. */
export function sameReport(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(a, b);
}

function shortJson(value: unknown): string {
  const text = value === undefined ? 'absent' : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What differs between the `first` and a `later` report, such as `order_id "p-1" then "p-2"`. */
export function reportDifference(first: unknown, later: unknown): string {
  if (!isObject(first) || !isObject(later)) return `${shortJson(first)} then ${shortJson(later)}`;
  const keys = [...new Set([...Object.keys(first), ...Object.keys(later)])];
  const differing = keys.filter((key) => !isDeepStrictEqual(first[key], later[key]));
  const shown = differing.slice(0, 3).map((key) => `${key} ${shortJson(first[key])} then ${shortJson(later[key])}`);
  const more = differing.length > 3 ? ` and ${differing.length - 3} more fields` : '';
  return `${shown.join(', ')}${more}`;
}

/** The distinct reports among `reports`, in the order first seen. */
export function distinctReports(reports: readonly unknown[]): unknown[] {
  const distinct: unknown[] = [];
  for (const report of reports) if (!distinct.some((seen) => sameReport(seen, report))) distinct.push(report);
  return distinct;
}
