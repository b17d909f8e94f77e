/** `execution-failover positions`: which engine holds what (contract section 13, GET /admin/positions). */
import { z } from 'zod';
import type { Command } from './command.js';
import { positionals, runServiceCall, SERVICE_HELP, SERVICE_OPTIONS } from './serviceClient.js';

const HELP = `Shows the position ledger of EXECUTION_POSITION_AFFINITY (GET /admin/positions): one line per
strategy and symbol with a position on some engine, and each engine's net quantity (long > 0,
short < 0). A signal that reduces such a position goes to the engine holding it. Empty when no
engine holds anything, or when affinity is off (no ledger is kept then).

options:
${SERVICE_HELP}`;

const positionsSchema = z.object({
  positions: z.array(z.object({ strategy_id: z.string(), symbol: z.string(), by_engine: z.record(z.string(), z.number()) })),
});

function render(body: unknown): string[] {
  const parsed = positionsSchema.safeParse(body);
  if (!parsed.success) throw new Error(`the service answered something that is not a position list: ${z.prettifyError(parsed.error)}`, { cause: parsed.error });
  const { positions } = parsed.data;
  if (positions.length === 0) return ['no engine holds a position (or EXECUTION_POSITION_AFFINITY is off)'];
  const engines: string[] = [];
  for (const position of positions) for (const engine of Object.keys(position.by_engine)) if (!engines.includes(engine)) engines.push(engine);
  const rows = [
    ['STRATEGY', 'SYMBOL', ...engines],
    ...positions.map((position) => [
      position.strategy_id === '' ? '-' : position.strategy_id,
      position.symbol,
      ...engines.map((engine) => String(position.by_engine[engine] ?? 0)),
    ]),
  ];
  const widths = (rows[0] ?? []).map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  // Names left-aligned, quantities right-aligned, as a table of figures reads best.
  return rows.map((row) =>
    row
      .map((cell, column) => (column < 2 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

/** The `positions` command. */
export const positionsCommand: Command = {
  name: 'positions',
  summary: 'which engine holds which position (position affinity)',
  usage: 'positions [--url URL] [--json]',
  help: HELP,
  options: SERVICE_OPTIONS,
  run: (args, io) => {
    positionals(args, []);
    return runServiceCall('positions', args, io, { method: 'GET', path: '/admin/positions', render });
  },
};
