/** `execution-failover pause [--reason R]`: stops execution until a resume (contract section 12). */
import { stringOption, UsageError, type Command } from './command.js';
import { positionals, runServiceCall, SERVICE_HELP, SERVICE_OPTIONS } from './serviceClient.js';
import { statusAfter } from './statusText.js';

/** The API's limit, checked here too so that the operator hears it before anything is sent. */
const MAX_REASON = 500;

const HELP = `Pauses execution (POST /admin/execution/pause): nothing more is consumed, signals in flight
stay pending and everything waits in Redis until a resume. Prints the status it left.

options:
  --reason R      why, kept in the status (paused_reason) and the audit stream (at most ${MAX_REASON} characters)
${SERVICE_HELP}`;

/** The `pause` command. */
export const pauseCommand: Command = {
  name: 'pause',
  summary: 'pause execution (signals wait in Redis)',
  usage: 'pause [--reason R] [--url URL] [--json]',
  help: HELP,
  options: { ...SERVICE_OPTIONS, reason: { type: 'string' } },
  run: (args, io) => {
    positionals(args, []);
    const reason = stringOption(args, 'reason');
    if (reason !== undefined && reason.length > MAX_REASON) throw new UsageError(`--reason takes at most ${MAX_REASON} characters, got ${reason.length}`);
    return runServiceCall('pause', args, io, {
      method: 'POST',
      path: '/admin/execution/pause',
      body: reason === undefined ? {} : { reason },
      render: statusAfter(`paused${reason === undefined ? '' : ` (${reason})`}`),
    });
  },
};
