/**
 * The scenario files shipped in `statecharts/scenarios/` (the `npm run simulate` format), served
 * read-only to the page's simulation view. Only names from the directory listing are served, so
 * a request cannot reach any other file.
 */
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ScenarioError, parseScenarioText } from '../simulation/scenario.js';
import type { ScenarioListing } from './protocol.js';

/** The directory of the shipped scenarios. */
export const SHIPPED_SCENARIO_DIR = fileURLToPath(new URL('../../statecharts/scenarios/', import.meta.url));

const SCENARIO_FILE = /^[A-Za-z0-9][A-Za-z0-9._-]*\.json$/;

/** Read access to one directory of scenario files. */
export interface ScenarioFiles {
  /** Every `*.json` file, by file name, with the scenario's name and description. */
  list(): Promise<ScenarioListing[]>;
  /** The text of one listed file, or null when there is no such file. */
  read(file: string): Promise<string | null>;
}

async function jsonFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir);
  return names.filter((name) => SCENARIO_FILE.test(name)).sort();
}

function listingOf(file: string, text: string): ScenarioListing {
  try {
    const scenario = parseScenarioText(text);
    return { file, name: scenario.name, description: scenario.description };
  } catch (error) {
    if (!(error instanceof ScenarioError)) throw error;
    // Listed anyway: the page shows the same error `npm run simulate` would.
    return { file, name: file, description: `not a valid scenario: ${error.message}` };
  }
}

/** The scenario files of `dir` (default: the shipped ones). */
export function scenarioFiles(dir: string = SHIPPED_SCENARIO_DIR): ScenarioFiles {
  const base = dir.endsWith('/') ? dir : `${dir}/`;
  return {
    async list() {
      const files = await jsonFiles(base);
      return Promise.all(files.map(async (file) => listingOf(file, await readFile(`${base}${file}`, 'utf8'))));
    },
    async read(file) {
      if (!SCENARIO_FILE.test(file)) return null;
      const files = await jsonFiles(base);
      if (!files.includes(file)) return null;
      return readFile(`${base}${file}`, 'utf8');
    },
  };
}
