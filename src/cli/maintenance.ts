/**
 * `execution-failover maintenance <engine> --on [--reason R] [--until ISO] | --off`: an engine's
 * maintenance (contract sections 2 and 12), through `PUT` and `DELETE
 * /admin/engines/{engine}/maintenance`.
 */
import { flag, stringOption, UsageError, type Command } from './command.js';
import { positionals, runServiceCall, SERVICE_HELP, SERVICE_OPTIONS } from './serviceClient.js';
import { statusAfter } from './statusText.js';

const MAX_REASON = 500;

const HELP = `Puts an engine into maintenance (--on) or ends it (--off). While in maintenance an engine is
never chosen (not by failover, recovery, resume or auto-resume) and a switch to it is refused; if it
is the active engine, execution moves at once to the next available one (or pauses with
paused_reason maintenance when none is left). When maintenance ends (--off, or --until passed) the
engine is a candidate again. Maintenance survives a restart. --on again changes reason and until.
Prints the status it left.

options:
  --on            start (or change) the engine's maintenance (PUT /admin/engines/<engine>/maintenance)
  --reason R      with --on: why, shown in the status (at most ${MAX_REASON} characters)
  --until ISO     with --on: when it ends by itself, an ISO 8601 time in the future
                  (2026-11-25T18:00:00Z); without it, it lasts until --off
  --off           end it (DELETE …/maintenance); refused (exit 1) when the engine is not in maintenance
${SERVICE_HELP}`;

/** The maintenance request the arguments ask for. */
function request(engine: string, on: boolean, reason: string | undefined, until: string | undefined) {
  const path = `/admin/engines/${encodeURIComponent(engine)}/maintenance`;
  if (!on) return { method: 'DELETE' as const, path, render: statusAfter(`${engine}: maintenance ended`) };
  const body = { ...(reason === undefined ? {} : { reason }), ...(until === undefined ? {} : { until }) };
  const what = `${engine}: in maintenance${reason === undefined ? '' : ` (${reason})`}${until === undefined ? ', until ended with --off' : `, until ${until}`}`;
  return { method: 'PUT' as const, path, body, render: statusAfter(what) };
}

/** The `maintenance` command. */
export const maintenanceCommand: Command = {
  name: 'maintenance',
  summary: "start or end an engine's maintenance",
  usage: 'maintenance <engine> --on [--reason R] [--until ISO] | --off  [--url URL] [--json]',
  help: HELP,
  options: { ...SERVICE_OPTIONS, on: { type: 'boolean' }, off: { type: 'boolean' }, reason: { type: 'string' }, until: { type: 'string' } },
  run: (args, io) => {
    const [engine = ''] = positionals(args, ['<engine>']);
    const on = flag(args, 'on');
    const off = flag(args, 'off');
    if (on === off) throw new UsageError(on ? 'either --on or --off, not both' : 'say --on or --off');
    const reason = stringOption(args, 'reason');
    const until = stringOption(args, 'until');
    if (off && (reason !== undefined || until !== undefined)) throw new UsageError('--reason and --until go with --on');
    if (reason !== undefined && reason.length > MAX_REASON) throw new UsageError(`--reason takes at most ${MAX_REASON} characters, got ${reason.length}`);
    // Only the form is checked here; whether it is in the future is the service's to say (its clock).
    if (until !== undefined && !/^\d{4}-\d\d-\d\dT/.test(until))
      throw new UsageError(`--until takes an ISO 8601 time such as 2026-11-25T18:00:00Z, got "${until}"`);
    if (until !== undefined && Number.isNaN(Date.parse(until))) throw new UsageError(`--until is not a valid time: "${until}"`);
    return runServiceCall('maintenance', args, io, request(engine, on, reason, until));
  },
};
