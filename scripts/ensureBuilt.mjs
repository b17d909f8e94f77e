// `npm start`'s first step: builds dist/ when it is missing or older than the sources (so that
// `npm ci && npm start` works on a fresh clone and an edited tree never runs stale code). In a
// production install (`npm ci --omit=dev`) there is nothing to build with: dist/ must be there.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const stamp = path.join(root, 'dist/.built');

function newestIn(directory) {
  let newest = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const full = path.join(directory, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestIn(full) : statSync(full).mtimeMs);
  }
  return newest;
}

const builtAt = existsSync(stamp) ? statSync(stamp).mtimeMs : 0;
const sources = ['src', 'machines', 'statecharts'].filter((folder) => existsSync(path.join(root, folder)));
const stale = builtAt === 0 || sources.some((folder) => newestIn(path.join(root, folder)) > builtAt);
if (!stale) process.exit(0);
if (!existsSync(path.join(root, 'node_modules/.bin/tsx'))) {
  if (builtAt === 0) {
    process.stderr.write(
      'npm start: dist/ is missing and this install has no build tools (npm ci --omit=dev); run npm run build where the dev dependencies are installed, then copy dist/ here\n',
    );
    process.exit(2);
  }
  // A production tree whose sources came along: run what was built.
  process.exit(0);
}
const built = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
process.exit(built.status ?? 1);
