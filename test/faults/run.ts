/**
 * `npm run faults [-- [--verbose] [--keep-logs] [--seed <n>] <scenario id> …]`: runs the fault scenarios one after another and prints one
 * row per fault with the counts sent, executed, lost and executed twice. Exits 1 when any row lost
 * or doubled a signal, or failed otherwise (an extra or missing outcome, a failed check, an error).
 *
 * The randomised rows (`random-stream`, `random-list`; `random-fixed` when named) play a seeded
 * schedule over two instances: a fresh seed each run, or `--seed <n>` (or `FAULT_SEED`) to replay.
 */
import { closeAllFaultLabs, defaultLogRoot } from '../support/faultHarness.js';
import { explainFaultResult, runFaultScenario, type FaultResult } from '../support/faultScenario.js';
import type { FaultScenario } from '../support/faultScenario.js';
import { FIXED_SEED, freshSeed, randomisedScenario, seedFromEnvironment } from './randomised.js';
import { FAULT_SCENARIOS } from './scenarios.js';

const COLUMNS = [
  'fault',
  'sent',
  'executed',
  'dead-lettered',
  'lost',
  'placed twice',
  'cross-engine',
  'orphans',
  'extra outcomes',
  'unsettled',
  'checks',
  'seconds',
  'result',
] as const;

function row(result: FaultResult): string[] {
  const { tally } = result;
  const count = (value: number | undefined): string => (value === undefined ? '-' : String(value));
  const failedChecks = result.checks.filter((check) => !check.ok).length;
  return [
    result.id,
    count(tally?.sent),
    count(tally?.executed),
    count(tally?.deadLettered),
    count(tally?.lost),
    count(tally?.executedTwice),
    count(tally?.crossEngine),
    count(tally?.orphans),
    count(tally?.extraOutcomes),
    count(tally?.unsettled),
    `${result.checks.length - failedChecks}/${result.checks.length}`,
    result.seconds.toFixed(1),
    result.passed ? 'ok' : result.error !== null ? 'ERROR' : 'FAIL',
  ];
}

function table(rows: readonly string[][]): string {
  const all = [[...COLUMNS], ...rows];
  const widths = COLUMNS.map((_, column) => Math.max(...all.map((cells) => (cells[column] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join('  ');
  return [line(all[0] ?? []), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)].join('\n');
}

/** `--seed <n>` or `--seed=<n>`, else FAULT_SEED, else null; and the arguments without it. */
function takeSeed(args: readonly string[]): { seed: number | null; rest: string[] } {
  const rest = [...args];
  const at = rest.findIndex((arg) => arg === '--seed' || arg.startsWith('--seed='));
  if (at === -1) return { seed: seedFromEnvironment(), rest };
  const [flag = ''] = rest.splice(at, 1);
  const text = flag.includes('=') ? flag.slice('--seed='.length) : (rest.splice(at, 1)[0] ?? '');
  return { seed: seedFromEnvironment({ FAULT_SEED: text === '' ? 'missing' : text }), rest };
}

/** Every scenario by id: the fixed faults, then the randomised rows with their seeds. */
function catalogue(seed: number | null): { all: FaultScenario[]; byDefault: FaultScenario[] } {
  const randomised = [randomisedScenario({ seed: seed ?? freshSeed(), kind: 'stream' }), randomisedScenario({ seed: seed ?? freshSeed(), kind: 'list' })];
  const fixed = randomisedScenario({ seed: FIXED_SEED, kind: 'stream', id: 'random-fixed' });
  return { all: [...FAULT_SCENARIOS, ...randomised, fixed], byDefault: [...FAULT_SCENARIOS, ...randomised] };
}

async function main(argv: readonly string[]): Promise<number> {
  const { seed, rest: args } = takeSeed(argv);
  const { all, byDefault } = catalogue(seed);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(
      `usage: npm run faults [-- [--verbose] [--keep-logs] [--seed <n>] <scenario id> …]\n  --verbose    print every check with what it saw\n  --keep-logs  keep the instances' logs of passing scenarios too (failing ones are always kept)\n  --seed <n>   the seed of the randomised rows (default FAULT_SEED, else a fresh one)\nscenarios: ${all.map((scenario) => scenario.id).join(', ')} (random-fixed only when named)\n`,
    );
    return 0;
  }
  const verbose = args.includes('--verbose');
  const keepLogs = args.includes('--keep-logs');
  const ids = args.filter((arg) => !arg.startsWith('--'));
  const find = (id: string): FaultScenario => {
    const scenario = all.find((candidate) => candidate.id === id);
    if (scenario === undefined) throw new Error(`No fault scenario "${id}": expected one of ${all.map((candidate) => candidate.id).join(', ')}`);
    return scenario;
  };
  const scenarios = ids.length === 0 ? byDefault : ids.map(find);
  const logRoot = defaultLogRoot();
  const results: FaultResult[] = [];
  for (const scenario of scenarios) {
    process.stdout.write(`running ${scenario.id}: ${scenario.title} …\n`);
    const result = await runFaultScenario(scenario, { logRoot, keepLogs });
    results.push(result);
    if (verbose) for (const check of result.checks) process.stdout.write(`  ${check.ok ? 'ok  ' : 'FAIL'} ${check.name}: ${check.detail}\n`);
    // A randomised row's seed and schedule as played, which a failure prints anyway.
    if (verbose && result.passed) for (const line of result.report) process.stdout.write(`  ${line}\n`);
  }
  process.stdout.write(`\n${table(results.map(row))}\n`);
  const failed = results.filter((result) => !result.passed);
  if (failed.length > 0) process.stdout.write(`\n${failed.map((result) => explainFaultResult(result)).join('\n')}\n`);
  const guaranteeBroken = results.some((result) => result.tally === null || result.tally.lost > 0 || result.tally.executedTwice > 0);
  process.stdout.write(
    `\n${guaranteeBroken ? 'GUARANTEE BROKEN: a signal was lost or executed twice (or could not be counted).' : 'Nothing lost, nothing executed twice.'}\n`,
  );
  if (keepLogs || failed.length > 0) process.stdout.write(`instance logs: ${logRoot}\n`);
  process.stdout.write(`faults: ${results.length - failed.length} passed, ${failed.length} failed\n`);
  // A row that lost or doubled a signal has not passed, so it fails the run like any other failure.
  return failed.length === 0 ? 0 : 1;
}

// The service processes run in process groups of their own, out of reach of the terminal's Ctrl-C:
// on an interrupt the open labs are closed (services killed, Redis stopped) before leaving; should
// that hang, the exit hook the harness installs still kills the services.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\n${signal}: stopping the fault run; killing its services and Redis\n`);
    setTimeout(() => process.exit(130), 5000).unref();
    void closeAllFaultLabs().finally(() => process.exit(130));
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`npm run faults failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(2);
  },
);
