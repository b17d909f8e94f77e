/** `execution-failover dead-letter replay <id>… [--force-in-doubt]`: puts dead letters back on the queue (contract section 12). */
import { z } from 'zod';
import { flag, UsageError, type Command } from './command.js';
import { runServiceCall, SERVICE_HELP, SERVICE_OPTIONS } from './serviceClient.js';

/** The API's limit of ids per replay. */
const MAX_IDS = 1000;

/** What each result means to the operator who asked for it. */
const EXPLAINED: Readonly<Record<string, string>> = {
  replayed: 'back on the signal queue',
  already_executed: 'its signal_id was executed: never sent again',
  in_doubt_needs_force: 'in_doubt: reconcile it with the engine and the broker, then replay with --force-in-doubt',
  not_replayable: 'invalid: not replayable, the producer must send a valid signal',
  not_found: 'no such dead-letter entry',
};

const HELP = `Replays dead-letter entries (POST /admin/dead-letter/replay): each entry's signal goes back on
the signal queue as it was received. One line per id: <id> <signal_id> <result>, where result is
  replayed               back on the queue
  already_executed       its signal_id was executed: never sent again (the dedup record)
  in_doubt_needs_force   an in_doubt entry: the engine may have placed it; look it up at the engine
                         and the broker, and replay with --force-in-doubt only if it certainly was not
  not_replayable         an invalid signal
  not_found              no such entry
then a count. The exit code is 0 when the service did the replay, whatever each entry's result.

options:
  --force-in-doubt  replay in_doubt entries too: you have reconciled them
${SERVICE_HELP}`;

const resultsSchema = z.object({ results: z.array(z.object({ id: z.string(), signal_id: z.string(), result: z.string() })) });

function render(body: unknown): string[] {
  const parsed = resultsSchema.safeParse(body);
  if (!parsed.success) throw new Error(`the service answered something that is not a replay result: ${z.prettifyError(parsed.error)}`, { cause: parsed.error });
  const { results } = parsed.data;
  const idWidth = Math.max(0, ...results.map((result) => result.id.length));
  const signalWidth = Math.max(1, ...results.map((result) => result.signal_id.length));
  const lines = results.map((result) => {
    const why = EXPLAINED[result.result];
    return `${result.id.padEnd(idWidth)}  ${(result.signal_id === '' ? '-' : result.signal_id).padEnd(signalWidth)}  ${result.result}${why === undefined ? '' : ` (${why})`}`;
  });
  const replayed = results.filter((result) => result.result === 'replayed').length;
  lines.push(`${replayed} of ${results.length} replayed`);
  return lines;
}

/** The `dead-letter replay` command. */
export const deadLetterReplayCommand: Command = {
  name: 'dead-letter replay',
  summary: 'put dead-letter entries back on the signal queue',
  usage: 'dead-letter replay <id>… [--force-in-doubt] [--url URL] [--json]',
  help: HELP,
  options: { ...SERVICE_OPTIONS, 'force-in-doubt': { type: 'boolean' } },
  run: (args, io) => {
    const ids = [...args.positionals];
    if (ids.length === 0) throw new UsageError('at least one dead-letter entry id (dead-letter list shows them)');
    if (ids.length > MAX_IDS) throw new UsageError(`at most ${MAX_IDS} ids per replay, got ${ids.length}`);
    const bad = ids.find((id) => !/^\d+-\d+$/.test(id));
    if (bad !== undefined) throw new UsageError(`"${bad}" is not a dead-letter entry id (such as 1733080800000-0)`);
    const force = flag(args, 'force-in-doubt');
    return runServiceCall('dead-letter replay', args, io, { method: 'POST', path: '/admin/dead-letter/replay', body: { ids, force_in_doubt: force }, render });
  },
};
