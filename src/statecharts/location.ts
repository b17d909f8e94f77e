/** Where the generated statechart files live. */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The `statecharts/` folder at the root of this repository, wherever a command is run from. */
export const STATECHARTS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../statecharts');

/** The name of the SVG drawing inside `statecharts/`. */
export const SVG_FILE = 'failover.svg';

/**
 * The committed SVG drawing, which the inspector serves as it is: laying the chart out needs ELK,
 * a development tool that the service neither loads nor runs.
 */
export const SVG_PATH = join(STATECHARTS_DIR, SVG_FILE);
