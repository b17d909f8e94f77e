/** `execution-failover resume`: leaves paused for the highest-priority available engine (contract section 12). */
import type { Command } from './command.js';
import { positionals, runServiceCall, SERVICE_HELP, SERVICE_OPTIONS } from './serviceClient.js';
import { readStatus, statusLines } from './statusText.js';

const HELP = `Resumes execution (POST /admin/execution/resume) on the highest-priority available engine,
with every failure count reset. The service refuses (exit 1) when it is not paused. Prints the
status it left.

options:
${SERVICE_HELP}`;

/** The `resume` command. */
export const resumeCommand: Command = {
  name: 'resume',
  summary: 'resume execution after a pause',
  usage: 'resume [--url URL] [--json]',
  help: HELP,
  options: SERVICE_OPTIONS,
  run: (args, io) => {
    positionals(args, []);
    return runServiceCall('resume', args, io, {
      method: 'POST',
      path: '/admin/execution/resume',
      render: (body) => {
        const status = readStatus(body);
        return [`resumed: signals go to ${status.active_engine ?? 'no engine'}`, '', ...statusLines(status)];
      },
    });
  },
};
