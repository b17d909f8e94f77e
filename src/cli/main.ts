/**
 * `execution-failover <command> [options]`: the command line's dispatcher (contract section 12).
 *
 * Commands register by being listed in {@link COMMANDS}: each is a module in `src/cli/` exporting
 * one {@link Command} (name, synopsis, help, its options, `run`). The dispatcher owns what is the
 * same for all of them: finding the command, parsing its options strictly (an unknown option or a
 * missing value is a usage error), `--help` for each command, `--json` accepted by every command,
 * and the exit codes: 2 for any usage error, else what the command answers.
 *
 * Run through `bin/execution-failover.js`; tests call {@link runCli} in-process.
 */
import { parseArgs } from 'node:util';
import { bridgeCheckCommand } from './bridgeCheck.js';
import { EXIT, UsageError, type CliIo, type Command, type ParsedArgs } from './command.js';

/** Every command, in the order `--help` lists them. Add a command here. */
export const COMMANDS: readonly Command[] = [bridgeCheckCommand];

/** Options every command takes. */
const COMMON_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  json: { type: 'boolean' },
} as const;

const PROGRAM = 'execution-failover';

function overview(commands: readonly Command[]): string[] {
  const width = Math.max(...commands.map((command) => command.name.length));
  return [
    `usage: ${PROGRAM} <command> [options]`,
    '',
    'commands:',
    ...commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    `${PROGRAM} <command> --help says more about one. Every command takes --json.`,
    'Exit codes: 0 done, 1 refused (or a bridge-check rule failed), 2 usage error or unreachable.',
  ];
}

function commandHelp(command: Command): string[] {
  return [`usage: ${PROGRAM} ${command.usage}`, '', ...command.help.split('\n')];
}

function usageError(io: CliIo, message: string, command?: Command): number {
  io.err(`${PROGRAM}: ${message}`);
  io.err(command === undefined ? `run '${PROGRAM} --help' for the commands` : `usage: ${PROGRAM} ${command.usage}`);
  if (command !== undefined) io.err(`run '${PROGRAM} ${command.name} --help' for more`);
  return EXIT.usage;
}

/** The error and its causes, one line each, for an error no command expected. */
function describeUnexpected(error: unknown): string[] {
  const lines: string[] = [];
  for (let current = error, depth = 0; current !== undefined && depth < 5; depth += 1) {
    lines.push(current instanceof Error ? `${depth === 0 ? '' : 'caused by: '}${current.message}` : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return lines;
}

/** Parses `args` for `command`; throws a UsageError for an unknown option or a missing value. */
function parseFor(command: Command, args: readonly string[]): ParsedArgs {
  try {
    const parsed = parseArgs({ args: [...args], options: { ...command.options, ...COMMON_OPTIONS }, allowPositionals: true, strict: true });
    return { values: parsed.values, positionals: parsed.positionals };
  } catch (error) {
    // parseArgs throws TypeErrors with codes ERR_PARSE_ARGS_*: all of them are the user's to fix.
    throw new UsageError(error instanceof Error ? error.message : String(error), { cause: error });
  }
}

/** Runs the command line on `argv` (without node and the script); answers the exit code. */
export async function runCli(argv: readonly string[], io: CliIo, commands: readonly Command[] = COMMANDS): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    for (const line of overview(commands)) io.err(line);
    return EXIT.usage;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const wanted = rest[0] === undefined ? undefined : commands.find((command) => command.name === rest[0]);
    if (rest[0] !== undefined && wanted === undefined) return usageError(io, `unknown command "${rest[0]}"`);
    for (const line of wanted === undefined ? overview(commands) : commandHelp(wanted)) io.out(line);
    return EXIT.ok;
  }
  const command = commands.find((candidate) => candidate.name === name);
  if (command === undefined) return usageError(io, `unknown command "${name}"`);
  try {
    const args = parseFor(command, rest);
    if (args.values.help === true) {
      for (const line of commandHelp(command)) io.out(line);
      return EXIT.ok;
    }
    return await command.run(args, io);
  } catch (error) {
    if (error instanceof UsageError) return usageError(io, error.message, command);
    for (const line of describeUnexpected(error)) io.err(`${PROGRAM} ${command.name}: ${line}`);
    return EXIT.refused;
  }
}

/** The real process's streams and environment. */
export const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
};
