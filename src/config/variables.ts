/**
 * Reading one variable: a missing or blank one takes its fallback (or is unset), a bad one becomes a
 * ConfigError that names it and what it accepts, with any password in the value masked.
 */
import type { z } from 'zod';

/** A configuration value that cannot be used; the message names the variable. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ConfigError';
  }
}

/** A variable's parser and the text it takes when missing or empty. */
export interface VariableSpec {
  readonly schema: z.ZodType<unknown, string>;
  readonly fallback: string;
}

/**
 * The value as an error message may show it: a `user:password@` part masked, so that even a URL too
 * malformed to parse never puts a password into a log. Masks up to the last `@`, since a password
 * may itself hold `@`, `/` or `#`.
 */
function shown(raw: string | undefined): string {
  if (raw === undefined) return 'undefined';
  const at = raw.lastIndexOf('@');
  if (at === -1) return JSON.stringify(raw);
  const scheme = /^\s*[a-z][a-z0-9+.-]*:\/\//i.exec(raw)?.[0] ?? '';
  return JSON.stringify(`${scheme}***${raw.slice(at)}`);
}

function invalid(name: string, raw: string | undefined, error: z.ZodError): ConfigError {
  const accepted = error.issues.map((issue) => issue.message).join('; ');
  return new ConfigError(name, `${name}=${shown(raw)} is not valid: expected ${accepted}`, { cause: error });
}

/** The reader of a table of variables: `read(env, name)` gives the parsed value or throws a ConfigError. */
export function variableReader<Table extends Readonly<Record<string, VariableSpec>>>(table: Table) {
  return <N extends keyof Table & string>(env: NodeJS.ProcessEnv, name: N): z.output<Table[N]['schema']> => {
    const raw = env[name];
    const value = raw === undefined || raw.trim() === '' ? table[name].fallback : raw;
    const result = table[name].schema.safeParse(value);
    if (!result.success) throw invalid(name, raw, result.error);
    return result.data as z.output<Table[N]['schema']>;
  };
}

/** A variable with no fallback: unset or empty is undefined. */
export function readOptional(env: NodeJS.ProcessEnv, name: string, schema: z.ZodType<string>): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const result = schema.safeParse(raw);
  if (!result.success) throw invalid(name, raw, result.error);
  return result.data;
}

export function isSet(env: NodeJS.ProcessEnv, name: string): boolean {
  return (env[name] ?? '').trim() !== '';
}
