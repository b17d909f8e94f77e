/** `execution-failover audit [--count N]`: the recent operator actions of AUDIT_STREAM (GET /admin/audit). */
import { z } from 'zod';
import { numberOption, type Command } from './command.js';
import { positionals, runServiceCall, SERVICE_HELP, SERVICE_OPTIONS } from './serviceClient.js';

const DEFAULT_COUNT = 20;
const MAX_COUNT = 1000;

const HELP = `Shows the most recent operator actions (GET /admin/audit, from AUDIT_STREAM), newest first: when,
which action, from which address, its result and its parameters. Every write under /admin/* is
there, refused ones included (a wrong token, a standby, a bad body).

options:
  --count N       the N most recent, 1 to ${MAX_COUNT} (default ${DEFAULT_COUNT})
${SERVICE_HELP}`;

const entriesSchema = z.object({
  entries: z.array(z.object({ id: z.string(), action: z.string(), params: z.string(), result: z.string(), remote: z.string(), at: z.string() })),
});

function render(body: unknown): string[] {
  const parsed = entriesSchema.safeParse(body);
  if (!parsed.success) throw new Error(`the service answered something that is not an audit list: ${z.prettifyError(parsed.error)}`, { cause: parsed.error });
  const { entries } = parsed.data;
  if (entries.length === 0) return ['no operator action recorded yet'];
  const rows = [
    ['AT', 'ACTION', 'REMOTE', 'RESULT', 'PARAMS'],
    ...entries.map((entry) => [entry.at, entry.action, entry.remote, entry.result, entry.params === '{}' ? '' : entry.params]),
  ];
  const widths = (rows[0] ?? []).slice(0, -1).map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows.map((row) =>
    row
      .map((cell, column) => (column < widths.length ? cell.padEnd(widths[column] ?? 0) : cell))
      .join('  ')
      .trimEnd(),
  );
}

/** The `audit` command. */
export const auditCommand: Command = {
  name: 'audit',
  summary: 'the recent operator actions (who paused, switched, replayed what)',
  usage: 'audit [--count N] [--url URL] [--json]',
  help: HELP,
  options: { ...SERVICE_OPTIONS, count: { type: 'string' } },
  run: (args, io) => {
    positionals(args, []);
    const count = numberOption(args, 'count', DEFAULT_COUNT, (value) =>
      Number.isInteger(value) && value >= 1 && value <= MAX_COUNT ? undefined : `must be a whole number from 1 to ${MAX_COUNT}`,
    );
    return runServiceCall('audit', args, io, { method: 'GET', path: `/admin/audit?count=${count}`, render });
  },
};
