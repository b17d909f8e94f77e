/** `execution-failover switch <engine>`: the operator's failover or failback (contract section 12). */
import type { Command } from './command.js';
import { positionals, runServiceCall, SERVICE_HELP, SERVICE_OPTIONS } from './serviceClient.js';
import { statusAfter } from './statusText.js';

const HELP = `Moves execution to <engine> at once (POST /admin/execution/switch), whatever the failure
counts and the recovery timer say, and resets its failure count; from paused it resumes there.
A switch to a backup arms the recovery timer like a failover: the policy fails back by itself once
the engines above pass their probes. The service refuses (exit 1) an unknown engine and one in
maintenance. Prints the status it left.

<engine> is lean_self_hosted, quanttrader_pybroker or nautilus_trader.

options:
${SERVICE_HELP}`;

/** The `switch` command. */
export const switchCommand: Command = {
  name: 'switch',
  summary: 'move execution to an engine (failover or failback by hand)',
  usage: 'switch <engine> [--url URL] [--json]',
  help: HELP,
  options: SERVICE_OPTIONS,
  run: (args, io) => {
    const [engine = ''] = positionals(args, ['<engine>']);
    return runServiceCall('switch', args, io, {
      method: 'POST',
      path: '/admin/execution/switch',
      body: { engine },
      render: statusAfter(`switched to ${engine}`),
    });
  },
};
