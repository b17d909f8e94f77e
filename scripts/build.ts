/**
 * `npm run build`: the service compiled to `dist/`, so that a production install runs it on
 * Node alone (no TypeScript runner, no bundler): `tsc` for `machines/` and `src/`, the inspector's
 * page script bundled ahead of time, and the files the service reads at run time (Lua scripts,
 * the inspector's style sheet, the scenario files) copied beside the code that reads them, at the
 * same relative paths. Ends by writing `dist/.built`, which `scripts/ensureBuilt.mjs` compares
 * with the sources.
 */
import { spawnSync } from 'node:child_process';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bundleClient, CLIENT_BUNDLE_NAME } from '../src/inspector/assets.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const DIST = path.join(ROOT, 'dist');

function step(what: string): void {
  process.stderr.write(`[build] ${what}\n`);
}

step('compiling machines/ and src/ with tsc');
const tsc = spawnSync(path.join(ROOT, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
if (tsc.status !== 0) {
  process.stderr.write('[build] tsc failed; nothing more was built\n');
  process.exit(tsc.status ?? 1);
}

step("bundling the inspector's script");
await mkdir(path.join(DIST, 'src/inspector'), { recursive: true });
await writeFile(path.join(DIST, 'src/inspector', CLIENT_BUNDLE_NAME), await bundleClient());

step('copying what the service reads at run time');
const copies: readonly (readonly [from: string, to: string])[] = [
  ['src/redis/scripts', 'dist/src/redis/scripts'],
  ['src/inspector/client/inspector.css', 'dist/src/inspector/client/inspector.css'],
  ['statecharts', 'dist/statecharts'],
];
for (const [from, to] of copies) await cp(path.join(ROOT, from), path.join(ROOT, to), { recursive: true });
await writeFile(path.join(DIST, '.built'), `${new Date().toISOString()}\n`);
step('done: npm start runs node dist/src/main.js');
