/**
 * `execution-failover bridge-check <url> [--fencing] [--symbol S] [--quantity Q] [--timeout-ms N]`:
 * checks a live engine bridge against the protocol (contract section 11). The rules and their
 * order are in `src/bridgeCheck/`; this module is the command: its arguments, its warnings, its
 * output and exit codes.
 */
import { parseBridgeUrl, type BridgeTarget } from '../bridgeCheck/client.js';
import { BridgeUnreachableError, ordersPlaced, runBridgeCheck, type RuleOutcome } from '../bridgeCheck/run.js';
import { EXIT, flag, numberOption, stringOption, UsageError, type CliIo, type Command, type ParsedArgs } from './command.js';

const DEFAULT_SYMBOL = 'AAPL';
const DEFAULT_QUANTITY = 1;
/** The service's default ENGINE_TIMEOUT_MS: a bridge slower than this fails in production too. */
const DEFAULT_TIMEOUT_MS = 5000;

const HELP = `Checks a live engine bridge against the bridge protocol (bridge/openapi.yaml), one line per
rule: PASS <rule> or FAIL <rule>: <why>, then "N passed, N failed".

  - GET /health answers 200
  - a new order gets a 2xx answer with a JSON execution report
  - the same Idempotency-Key again gets the same report and places nothing new
  - GET /orders/{id} answers 200 with the first report for a placed key, 404 for a key never sent
  - concurrent requests with one new key place one order (the rest get 409 or the same report)
  - a bad signal (no symbol; quantity -1) gets a 4xx other than 408, 409 and 429, and is not placed
  - with --fencing: after a request with a higher X-Leader-Epoch, a lower-epoch order gets
    409 {"error":"stale_epoch","epoch":<highest>}, is not placed (lookup 404), and an order at the
    highest epoch is still placed

IT PLACES REAL ORDERS (BUY MARKET; ${ordersPlaced(false)}, or ${ordersPlaced(true)} with --fencing, on a bridge that passes): point it
at a paper account. Its X-Leader-Epoch is the current time in milliseconds, above any service's
epoch, and a fencing bridge keeps the highest it saw: NEVER run it against a bridge a live service
uses (that service's leader would be fenced). See README "Writing a bridge".

options:
  --fencing          also check fencing (contract section 7)
  --symbol S         the symbol to order (default ${DEFAULT_SYMBOL})
  --quantity Q       the quantity of each order, > 0 (default ${DEFAULT_QUANTITY})
  --timeout-ms N     how long each answer may take, as ENGINE_TIMEOUT_MS (default ${DEFAULT_TIMEOUT_MS})
  --json             print the result as one JSON object instead of lines
  <url> may carry a path (http://host:port/api/v1) and user:password@ (sent as Basic auth).

exit codes: 0 every rule passed, 1 a rule failed, 2 usage error or the bridge cannot be reached.`;

interface Arguments {
  readonly url: string;
  readonly fencing: boolean;
  readonly symbol: string;
  readonly quantity: number;
  readonly timeoutMs: number;
  readonly json: boolean;
}

function readArguments(args: ParsedArgs): Arguments {
  const [url, ...extra] = args.positionals;
  if (url === undefined) throw new UsageError('the bridge URL is missing');
  if (extra.length > 0) throw new UsageError(`one bridge URL only, got also: ${extra.join(' ')}`);
  const symbol = stringOption(args, 'symbol') ?? DEFAULT_SYMBOL;
  if (symbol.trim() === '' || symbol.length > 64) throw new UsageError(`--symbol takes 1 to 64 characters, got "${symbol}"`);
  const quantity = numberOption(args, 'quantity', DEFAULT_QUANTITY, (value) => (value > 0 ? undefined : 'must be greater than 0'));
  const timeoutMs = numberOption(args, 'timeout-ms', DEFAULT_TIMEOUT_MS, (value) =>
    Number.isInteger(value) && value > 0 ? undefined : 'must be a whole number of milliseconds > 0',
  );
  return { url, fencing: flag(args, 'fencing'), symbol, quantity, timeoutMs, json: flag(args, 'json') };
}

function line(outcome: RuleOutcome): string {
  return outcome.passed ? `PASS ${outcome.title}` : `FAIL ${outcome.title}: ${outcome.why ?? 'no reason given'}`;
}

function fencingLine(fences: boolean | null, highestEpoch: number): string {
  if (fences === null) return 'fencing: not checked; add --fencing to check it (the service needs fencing bridges for exactly once across a leader change)';
  if (fences) return `fencing: the bridge fences; its fence is now at epoch ${highestEpoch}`;
  return 'fencing: the bridge does not fence correctly (see the fence rule)';
}

async function run(args: ParsedArgs, io: CliIo): Promise<number> {
  const settings = readArguments(args);
  let target: BridgeTarget;
  try {
    target = parseBridgeUrl(settings.url);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error), { cause: error });
  }
  const epoch = Date.now();
  const highest = settings.fencing ? epoch + 1 : epoch;
  io.err(
    `WARNING: bridge-check places real orders on ${target.shown}: BUY MARKET ${settings.quantity} ${settings.symbol}, ` +
      `${ordersPlaced(settings.fencing)} orders on a bridge that passes (more on one that places doubles). Use a paper account.`,
  );
  io.err(
    `WARNING: its X-Leader-Epoch is ${epoch}${settings.fencing ? ` and ${highest}` : ''} (the time in ms), above any service's epoch; ` +
      'a fencing bridge keeps the highest: never run it against a bridge a live service uses.',
  );

  try {
    const report = await runBridgeCheck(
      { target, fencing: settings.fencing, symbol: settings.symbol, quantity: settings.quantity, timeoutMs: settings.timeoutMs, epoch },
      (outcome) => {
        if (!settings.json) io.out(line(outcome));
      },
    );
    const passed = report.outcomes.filter((outcome) => outcome.passed).length;
    const failed = report.outcomes.length - passed;
    if (settings.json) {
      io.out(
        JSON.stringify({
          bridge: target.shown,
          epoch: report.epoch,
          highest_epoch: report.highestEpoch,
          fences: report.fences,
          rules: report.outcomes,
          passed,
          failed,
        }),
      );
    } else {
      io.out(fencingLine(report.fences, report.highestEpoch));
      io.out(`${passed} passed, ${failed} failed`);
    }
    return failed === 0 ? EXIT.ok : EXIT.refused;
  } catch (error) {
    if (!(error instanceof BridgeUnreachableError)) throw error;
    if (settings.json) io.out(JSON.stringify({ bridge: target.shown, error: error.message }));
    io.err(`bridge-check: ${error.message}`);
    return EXIT.usage;
  }
}

/** The `bridge-check` command. */
export const bridgeCheckCommand: Command = {
  name: 'bridge-check',
  summary: 'check a live engine bridge against the bridge protocol (places real orders: paper account)',
  usage: 'bridge-check <url> [--fencing] [--symbol S] [--quantity Q] [--timeout-ms N] [--json]',
  help: HELP,
  options: {
    fencing: { type: 'boolean' },
    symbol: { type: 'string' },
    quantity: { type: 'string' },
    'timeout-ms': { type: 'string' },
  },
  run,
};
