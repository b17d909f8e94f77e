/**
 * `npm run statecharts`: writes `statecharts/` (definition JSON, Mermaid diagram, SVG drawing,
 * README page) from the failover machine, and says what it wrote. Run it after changing
 * `machines/`; a unit test fails while the checked-in files are stale.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { failoverMachine } from '../../machines/executionFailover.js';
import { STATECHARTS_DIR } from './location.js';
import { PROJECT_README, readmeDiagramBlock, withDiagramBlock } from './readmeBlock.js';
import { statechartFiles } from './render.js';

async function main(): Promise<void> {
  try {
    await mkdir(STATECHARTS_DIR, { recursive: true });
  } catch (cause) {
    throw new Error(`Could not create the folder ${STATECHARTS_DIR} for the statechart files.`, { cause });
  }
  for (const file of await statechartFiles(failoverMachine)) {
    const path = join(STATECHARTS_DIR, file.name);
    const shown = relative(process.cwd(), path) || path;
    const before = await readFile(path, 'utf8').catch(() => null);
    if (before === file.content) {
      console.log(`${'unchanged'.padEnd(9)} ${shown}`);
      continue;
    }
    try {
      await writeFile(path, file.content, 'utf8');
    } catch (cause) {
      throw new Error(`Could not write ${path}: is the folder writable?`, { cause });
    }
    const verb = before === null ? 'created' : 'updated';
    console.log(`${verb.padEnd(9)} ${shown} (${Buffer.byteLength(file.content)} bytes)`);
  }
  const readme = await readFile(PROJECT_README, 'utf8');
  const updated = withDiagramBlock(readme, readmeDiagramBlock(failoverMachine));
  if (updated !== readme) await writeFile(PROJECT_README, updated, 'utf8');
  console.log(`${(updated === readme ? 'unchanged' : 'updated').padEnd(9)} README.md (the diagram block)`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
