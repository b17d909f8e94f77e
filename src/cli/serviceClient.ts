/**
 * How the service commands of the command line (contract section 12) reach a running service:
 * where it is (`--url`, else `$EXECUTION_FAILOVER_URL`, else `http://127.0.0.1:8001`), the admin
 * token (from `ADMIN_TOKEN`, sent as a header and never printed), one HTTP call, and what every
 * command does with its answer: the API's JSON with `--json`, the command's own text otherwise,
 * and the exit codes 0 (done), 1 (refused: 4xx or 5xx, its error printed), 2 (unreachable).
 */
import { EXIT, flag, stringOption, UsageError, type CliIo, type OptionSpecs, type ParsedArgs } from './command.js';

export const DEFAULT_SERVICE_URL = 'http://127.0.0.1:8001';
/** Long enough for a service under load; an operator waiting longer would rather be told. */
const REQUEST_TIMEOUT_MS = 15_000;

/** The options every service command takes besides --help and --json. */
export const SERVICE_OPTIONS: OptionSpecs = { url: { type: 'string' } };

/** The lines of `--help` that every service command shares. */
export const SERVICE_HELP = `  --url URL       the service (default $EXECUTION_FAILOVER_URL, else ${DEFAULT_SERVICE_URL})
  --json          print the API's JSON instead of text
The admin token is read from ADMIN_TOKEN (never from an argument, so that it stays out of shell
history and process lists).

exit codes: 0 the service did it, 1 it refused (4xx or 5xx, its error printed), 2 a usage error or
the service cannot be reached.`;

/** A running service's base URL and the token to send it. */
export interface ServiceTarget {
  readonly base: URL;
  /** The URL as printed. */
  readonly shown: string;
  readonly token: string | undefined;
}

/** Where the command goes: `--url`, else the environment, else the contract's default. */
export function serviceTarget(args: ParsedArgs, io: CliIo): ServiceTarget {
  const given = stringOption(args, 'url');
  const fromEnv = io.env.EXECUTION_FAILOVER_URL;
  const text = given ?? (fromEnv === undefined || fromEnv.trim() === '' ? DEFAULT_SERVICE_URL : fromEnv.trim());
  const source = given === undefined ? (text === DEFAULT_SERVICE_URL ? 'the default URL' : 'EXECUTION_FAILOVER_URL') : '--url';
  let base: URL;
  try {
    base = new URL(text);
  } catch (error) {
    throw new UsageError(`${source} is not a URL: "${text}"`, { cause: error });
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new UsageError(`${source} must be http:// or https://, got "${text}"`);
  if (base.username !== '' || base.password !== '') {
    throw new UsageError(`${source} must not carry a user or password; the admin token comes from ADMIN_TOKEN`);
  }
  if (base.search !== '' || base.hash !== '') throw new UsageError(`${source} must not carry a query or fragment, got "${text}"`);
  // A service behind a proxy may live under a path: the API's paths are joined below it.
  if (!base.pathname.endsWith('/')) base.pathname = `${base.pathname}/`;
  const token = io.env.ADMIN_TOKEN;
  return { base, shown: base.href.replace(/\/$/, ''), token: token === undefined || token === '' ? undefined : token };
}

/** The service could not be reached (refused, no answer in time, a name that does not resolve). */
export class ServiceUnreachableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ServiceUnreachableError';
  }
}

/** What the service answered: its status and body (JSON when it was JSON, else the text). */
export interface ServiceAnswer {
  readonly status: number;
  readonly ok: boolean;
  readonly body: unknown;
  /** For a refusal: the API's `error`, or what the answer was when it had none. */
  readonly error: string | null;
}

/** The innermost cause's message: fetch's own ("fetch failed") says nothing useful. */
function rootMessage(error: unknown): string {
  let current = error;
  for (let depth = 0; depth < 5 && current instanceof Error && current.cause !== undefined; depth += 1) current = current.cause;
  if (current instanceof Error) return 'code' in current && typeof current.code === 'string' ? `${current.code}: ${current.message}` : current.message;
  return String(current);
}

function refusalText(status: number, body: unknown, text: string): string {
  if (body !== null && typeof body === 'object' && 'error' in body && typeof body.error === 'string') return body.error;
  const excerpt = text.trim().slice(0, 200);
  return `HTTP ${status}${excerpt === '' ? '' : `: ${excerpt}`}`;
}

/** One call to the service's API; throws {@link ServiceUnreachableError} when no answer came. */
export async function callService(target: ServiceTarget, method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<ServiceAnswer> {
  const url = new URL(path.replace(/^\//, ''), target.base);
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (target.token !== undefined) headers.Authorization = `Bearer ${target.token}`;
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      redirect: 'error',
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    text = await response.text();
  } catch (error) {
    const why = error instanceof Error && error.name === 'TimeoutError' ? `no answer within ${REQUEST_TIMEOUT_MS / 1000} s` : rootMessage(error);
    throw new ServiceUnreachableError(`cannot reach the service at ${target.shown} (${why})`, { cause: error });
  }
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON (a proxy's error page, say): kept as text, and reported as such below.
  }
  const ok = response.status >= 200 && response.status < 300;
  return { status: response.status, ok, body: parsed, error: ok ? null : refusalText(response.status, parsed, text) };
}

/** One service command's call: what to send and how to show a successful answer as text. */
export interface ServiceCall {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly path: string;
  readonly body?: unknown;
  /** The lines printed for a 2xx answer without `--json`. */
  render(body: unknown): readonly string[];
}

/**
 * Makes the call and prints the outcome; answers the exit code. The token is only ever a header:
 * nothing printed here comes from it.
 */
export async function runServiceCall(name: string, args: ParsedArgs, io: CliIo, call: ServiceCall): Promise<number> {
  const target = serviceTarget(args, io);
  const json = flag(args, 'json');
  let answer: ServiceAnswer;
  try {
    answer = await callService(target, call.method, call.path, call.body);
  } catch (error) {
    if (!(error instanceof ServiceUnreachableError)) throw error;
    if (json) io.out(JSON.stringify({ error: error.message }));
    io.err(`${name}: ${error.message}`);
    return EXIT.usage;
  }
  if (!answer.ok) {
    if (json) io.out(JSON.stringify(typeof answer.body === 'object' && answer.body !== null ? answer.body : { error: answer.error }));
    io.err(`${name}: the service refused (${answer.status}): ${answer.error ?? ''}`);
    if (answer.status === 401) {
      io.err(
        target.token === undefined
          ? `${name}: ADMIN_TOKEN is not set in this environment`
          : `${name}: the ADMIN_TOKEN of this environment is not the service's`,
      );
    }
    return EXIT.refused;
  }
  if (json) io.out(JSON.stringify(answer.body));
  else for (const line of call.render(answer.body)) io.out(line);
  return EXIT.ok;
}

/** A command's positionals, exactly `count` of them, named for the usage error. */
export function positionals(args: ParsedArgs, names: readonly string[]): string[] {
  const given = [...args.positionals];
  if (given.length < names.length) throw new UsageError(`${names.slice(given.length).join(' and ')} missing`);
  if (given.length > names.length)
    throw new UsageError(`unexpected argument${given.length - names.length > 1 ? 's' : ''}: ${given.slice(names.length).join(' ')}`);
  return given;
}
