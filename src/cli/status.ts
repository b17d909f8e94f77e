/** `execution-failover status`: the service's status as a readable summary (contract section 12). */
import type { Command } from './command.js';
import { positionals, runServiceCall, SERVICE_HELP, SERVICE_OPTIONS } from './serviceClient.js';
import { readStatus, statusLines } from './statusText.js';

const HELP = `Shows the status of the running service (GET /admin/execution-status): the state and the
engine signals go to, whether it is paused and why, the leader epoch, the next recovery check,
the last transition, and each engine's failures, availability and maintenance.

options:
${SERVICE_HELP}`;

/** The `status` command. */
export const statusCommand: Command = {
  name: 'status',
  summary: 'the service status, as a readable summary',
  usage: 'status [--url URL] [--json]',
  help: HELP,
  options: SERVICE_OPTIONS,
  run: (args, io) => {
    positionals(args, []);
    return runServiceCall('status', args, io, { method: 'GET', path: '/admin/execution-status', render: (body) => statusLines(readStatus(body)) });
  },
};
