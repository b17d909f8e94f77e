/**
 * `npm run simulate -- <scenario.json>`: runs a scenario file against the failover statechart on a
 * simulated clock and prints its timeline and expectations.
 *
 * Exit codes: 0 every expectation met; 1 one or more not met; 2 the file is missing, unreadable or
 * not a valid scenario (the message says which field and why); 3 the machine itself failed.
 */
import { readFile } from 'node:fs/promises';
import { ScenarioError, parseScenarioText, type Scenario } from './simulation/scenario.js';
import { SimulationError, runScenario } from './simulation/run.js';
import { formatReport } from './simulation/timeline.js';

const EXIT_ALL_MET = 0;
const EXIT_NOT_MET = 1;
const EXIT_INVALID = 2;
const EXIT_MACHINE_FAILED = 3;

const USAGE = 'usage: npm run simulate -- <scenario.json>   (examples in statecharts/scenarios/)';

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

/** The file's text, or a message for people saying why it cannot be read. */
async function readScenarioFile(path: string): Promise<{ text: string } | { problem: string }> {
  try {
    return { text: await readFile(path, 'utf8') };
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT') return { problem: 'no such file' };
    if (code === 'EISDIR') return { problem: 'it is a directory, not a scenario file' };
    return { problem: `cannot read it: ${error instanceof Error ? error.message : String(error)}` };
  }
}

function parse(path: string, text: string): Scenario | null {
  try {
    return parseScenarioText(text);
  } catch (error) {
    if (!(error instanceof ScenarioError)) throw error;
    console.error(`${path}: ${error.message}`);
    return null;
  }
}

async function main(args: readonly string[]): Promise<number> {
  const [path, ...extra] = args;
  if (path === undefined || extra.length > 0) {
    console.error(path === undefined ? 'no scenario file given' : `one scenario file at a time, got ${args.length}`);
    console.error(USAGE);
    return EXIT_INVALID;
  }
  const file = await readScenarioFile(path);
  if ('problem' in file) {
    console.error(`${path}: ${file.problem}`);
    console.error(USAGE);
    return EXIT_INVALID;
  }
  const scenario = parse(path, file.text);
  if (scenario === null) return EXIT_INVALID;
  try {
    const result = runScenario(scenario);
    console.log(formatReport(result));
    return result.expectations.every((expectation) => expectation.met) ? EXIT_ALL_MET : EXIT_NOT_MET;
  } catch (error) {
    if (!(error instanceof SimulationError)) throw error;
    console.error(error.message, error.cause);
    return EXIT_MACHINE_FAILED;
  }
}

process.exitCode = await main(process.argv.slice(2));
