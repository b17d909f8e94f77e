/** `execution-failover dead-letter list [--outcome O] [--count N] [--after ID]`: the dead-letter entries (contract section 12). */
import { z } from 'zod';
import { OUTCOMES } from '../signals/outcome.js';
import { numberOption, stringOption, UsageError, type Command } from './command.js';
import { positionals, runServiceCall, SERVICE_HELP, SERVICE_OPTIONS } from './serviceClient.js';

/** The API's page sizes (GET /admin/dead-letter). */
const DEFAULT_COUNT = 100;
const MAX_COUNT = 1000;
const DEAD_LETTER_OUTCOMES = OUTCOMES.filter((outcome) => outcome !== 'executed' && outcome !== 'duplicate');

const HELP = `Lists the dead-letter entries (GET /admin/dead-letter), oldest first: one line each with its
entry id (what replay takes), outcome, signal_id, engine, attempts, time and reason. --json prints
the API's page, the signals' text included.

options:
  --outcome O     only entries of this outcome: ${DEAD_LETTER_OUTCOMES.join(', ')}
  --count N       at most N entries, 1 to ${MAX_COUNT} (default ${DEFAULT_COUNT})
  --after ID      the entries after this entry id: the next page (the last line says which id)
${SERVICE_HELP}`;

const pageSchema = z.object({
  entries: z.array(
    z.object({ id: z.string(), signal_id: z.string(), outcome: z.string(), engine: z.string(), attempts: z.number(), reason: z.string(), at: z.string() }),
  ),
  next: z.string().nullable(),
});

/** The page as aligned lines. */
function render(body: unknown): string[] {
  const parsed = pageSchema.safeParse(body);
  if (!parsed.success)
    throw new Error(`the service answered something that is not a dead-letter page: ${z.prettifyError(parsed.error)}`, { cause: parsed.error });
  const { entries, next } = parsed.data;
  const rows = [
    ['ID', 'OUTCOME', 'SIGNAL_ID', 'ENGINE', 'ATTEMPTS', 'AT', 'REASON'],
    ...entries.map((entry) => [
      entry.id,
      entry.outcome,
      entry.signal_id === '' ? '-' : entry.signal_id,
      entry.engine === '' ? '-' : entry.engine,
      String(entry.attempts),
      entry.at,
      entry.reason,
    ]),
  ];
  const widths = rows[0]?.slice(0, -1).map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  const lines =
    entries.length === 0
      ? []
      : rows.map((row) =>
          row
            .map((cell, column) => (column < widths.length ? cell.padEnd(widths[column] ?? 0) : cell))
            .join('  ')
            .trimEnd(),
        );
  lines.push(`${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}${next === null ? '' : `; more after ${next}: add --after ${next}`}`);
  return lines;
}

/** The `dead-letter list` command. */
export const deadLetterListCommand: Command = {
  name: 'dead-letter list',
  summary: 'list the dead-letter entries',
  usage: 'dead-letter list [--outcome O] [--count N] [--after ID] [--url URL] [--json]',
  help: HELP,
  options: { ...SERVICE_OPTIONS, outcome: { type: 'string' }, count: { type: 'string' }, after: { type: 'string' } },
  run: (args, io) => {
    positionals(args, []);
    const outcome = stringOption(args, 'outcome');
    if (outcome !== undefined && !DEAD_LETTER_OUTCOMES.some((known) => known === outcome)) {
      throw new UsageError(`--outcome takes one of ${DEAD_LETTER_OUTCOMES.join(', ')}, got "${outcome}"`);
    }
    const count = numberOption(args, 'count', DEFAULT_COUNT, (value) =>
      Number.isInteger(value) && value >= 1 && value <= MAX_COUNT ? undefined : `must be a whole number from 1 to ${MAX_COUNT}`,
    );
    const after = stringOption(args, 'after');
    if (after !== undefined && !/^\d+-\d+$/.test(after)) throw new UsageError(`--after takes an entry id such as 1733080800000-0, got "${after}"`);
    const query = new URLSearchParams({ count: String(count), ...(outcome === undefined ? {} : { outcome }), ...(after === undefined ? {} : { after }) });
    return runServiceCall('dead-letter list', args, io, { method: 'GET', path: `/admin/dead-letter?${query.toString()}`, render });
  },
};
