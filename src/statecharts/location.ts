/** Where the generated statechart files live. */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The `statecharts/` folder at the root of this repository, wherever a command is run from. */
export const STATECHARTS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../statecharts');
