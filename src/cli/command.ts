/**
 * What a command of the `execution-failover` command line is (contract section 12), and the
 * pieces every command shares: exit codes, usage errors, reading options. A command is a module
 * in `src/cli/` exporting one {@link Command}; `main.ts` lists them and dispatches.
 */
import type { ParseArgsConfig } from 'node:util';

/** Exit codes, the same for every command (contract section 12). */
export const EXIT = {
  /** The service (or bridge) did it; bridge-check: every rule passed. */
  ok: 0,
  /** It refused (4xx or 5xx, its error printed); bridge-check: a rule failed. */
  refused: 1,
  /** A usage error, or the service (or bridge) could not be reached. */
  usage: 2,
} as const;

/** Where a command writes and what it may read of its environment; tests pass their own. */
export interface CliIo {
  /** One line of the command's output (stdout). */
  out(line: string): void;
  /** One line of warnings and errors (stderr). */
  err(line: string): void;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The options a command declares, as `node:util` parseArgs takes them. */
export type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

/** A command's arguments after parsing: option values by name, then the positionals. */
export interface ParsedArgs {
  readonly values: Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>;
  readonly positionals: readonly string[];
}

/** One command of the command line. */
export interface Command {
  /** As typed: `bridge-check`, `status`, … */
  readonly name: string;
  /** One line for the list of commands. */
  readonly summary: string;
  /** The synopsis after `execution-failover`, such as `bridge-check <url> [--fencing]`. */
  readonly usage: string;
  /** The text of `<command> --help` after the synopsis: what it does, its options, its exit codes. */
  readonly help: string;
  /** Its own options; `--help` and `--json` are added by the dispatcher for every command. */
  readonly options: OptionSpecs;
  /** Runs it; answers the exit code. Throws {@link UsageError} for arguments it cannot use. */
  run(args: ParsedArgs, io: CliIo): Promise<number>;
}

/** Arguments a command cannot use: printed with its synopsis, exit 2. */
export class UsageError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UsageError';
  }
}

/** A string option's value, or undefined when not given. */
export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const value = args.values[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new UsageError(`--${name} takes a value`);
  return value;
}

/** Whether a boolean option was given. */
export function flag(args: ParsedArgs, name: string): boolean {
  return args.values[name] === true;
}

/** A number option, checked by `accept` (which says what is wrong, or undefined when it is fine). */
export function numberOption(args: ParsedArgs, name: string, fallback: number, accept: (value: number) => string | undefined): number {
  const text = stringOption(args, name);
  if (text === undefined) return fallback;
  const value = Number(text);
  const problem = text.trim() === '' || !Number.isFinite(value) ? 'must be a number' : accept(value);
  if (problem !== undefined) throw new UsageError(`--${name} ${problem}, got "${text}"`);
  return value;
}
