/**
 * `execution-failover <command> [options]`: the command line's dispatcher (contract section 12).
 *
 * Commands register by being listed in {@link COMMANDS}: each is a module in `src/cli/` exporting
 * one {@link Command} (name, synopsis, help, its options, `run`). A name of two words
 * (`dead-letter list`) makes its first word a group: `dead-letter --help` lists the group. The dispatcher owns what is the
 * same for all of them: finding the command, parsing its options strictly (an unknown option or a
 * missing value is a usage error), `--help` for each command, `--json` accepted by every command,
 * and the exit codes: 2 for any usage error, else what the command answers.
 *
 * Run through `bin/execution-failover.js`; tests call {@link runCli} in-process.
 */
import { inspect, parseArgs } from 'node:util';
import { auditCommand } from './audit.js';
import { bridgeCheckCommand } from './bridgeCheck.js';
import { EXIT, UsageError, type CliIo, type Command, type ParsedArgs } from './command.js';
import { deadLetterListCommand } from './deadLetterList.js';
import { deadLetterReplayCommand } from './deadLetterReplay.js';
import { maintenanceCommand } from './maintenance.js';
import { pauseCommand } from './pause.js';
import { positionsCommand } from './positions.js';
import { resumeCommand } from './resume.js';
import { statusCommand } from './status.js';
import { switchCommand } from './switch.js';

/** Every command, in the order `--help` lists them. Add a command here. */
export const COMMANDS: readonly Command[] = [
  statusCommand,
  pauseCommand,
  resumeCommand,
  switchCommand,
  maintenanceCommand,
  deadLetterListCommand,
  deadLetterReplayCommand,
  positionsCommand,
  auditCommand,
  bridgeCheckCommand,
];

/** Options every command takes. */
const COMMON_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  json: { type: 'boolean' },
} as const;

const PROGRAM = 'execution-failover';

/** The commands, one aligned line each: name and summary. */
function commandList(commands: readonly Command[]): string[] {
  const width = Math.max(...commands.map((command) => command.name.length));
  return commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`);
}

function overview(commands: readonly Command[]): string[] {
  return [
    `usage: ${PROGRAM} <command> [options]`,
    '',
    'commands:',
    ...commandList(commands),
    '',
    `${PROGRAM} <command> --help says more about one. Every command takes --json; the service`,
    'commands take --url (default $EXECUTION_FAILOVER_URL, else http://127.0.0.1:8001) and read the',
    'admin token from ADMIN_TOKEN.',
    'Exit codes: 0 done, 1 refused (or a bridge-check rule failed), 2 usage error or unreachable.',
  ];
}

/** The commands of a group (`dead-letter`), or none when `word` names no group. */
function groupOf(commands: readonly Command[], word: string): Command[] {
  return commands.filter((command) => command.name.startsWith(`${word} `));
}

function groupHelp(word: string, members: readonly Command[]): string[] {
  return [
    `usage: ${PROGRAM} ${word} <${members.map((command) => command.name.slice(word.length + 1)).join('|')}> [options]`,
    '',
    'commands:',
    ...commandList(members),
    '',
    `${PROGRAM} ${word} <command> --help says more about one.`,
  ];
}

/** The command `words` name (one word, or a group's two) and the arguments after its name. */
function lookup(commands: readonly Command[], words: readonly string[]): { command: Command; rest: string[] } | undefined {
  const [first, second, ...others] = words;
  const pair = commands.find((command) => command.name === `${first} ${second}`);
  if (pair !== undefined) return { command: pair, rest: others };
  const single = commands.find((command) => command.name === first);
  return single === undefined ? undefined : { command: single, rest: words.slice(1) };
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
    lines.push(current instanceof Error ? `${depth === 0 ? '' : 'caused by: '}${current.message}` : inspect(current));
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
    if (rest[0] === undefined) {
      for (const line of overview(commands)) io.out(line);
      return EXIT.ok;
    }
    const wanted = lookup(commands, rest)?.command;
    const members = groupOf(commands, rest[0]);
    if (wanted === undefined && members.length === 0) return usageError(io, `unknown command "${rest.join(' ')}"`);
    for (const line of wanted === undefined ? groupHelp(rest[0], members) : commandHelp(wanted)) io.out(line);
    return EXIT.ok;
  }
  const found = lookup(commands, argv);
  if (found === undefined) {
    const members = groupOf(commands, name);
    if (members.length === 0) return usageError(io, `unknown command "${name}"`);
    const sub = rest[0];
    if (sub === '--help' || sub === '-h') {
      for (const line of groupHelp(name, members)) io.out(line);
      return EXIT.ok;
    }
    io.err(`${PROGRAM}: ${sub === undefined ? `"${name}" needs a subcommand` : `unknown subcommand "${name} ${sub}"`}`);
    for (const line of groupHelp(name, members)) io.err(line);
    return EXIT.usage;
  }
  const { command } = found;
  try {
    const args = parseFor(command, found.rest);
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
