#!/usr/bin/env node
// The package's command line (contract section 12). Where the development tools are installed it
// runs the TypeScript sources through tsx (registered in this process, so exit codes and signals
// need no relaying, and an edited tree never runs stale code); a production install
// (`npm ci --omit=dev`) has no tsx and runs the build in dist/ (`npm run build`).
import { existsSync } from 'node:fs';

// A reader that stops early (`| head`) closes the pipe: the output is no longer wanted, which is no error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

async function loadCli() {
  const tsx = await import('tsx/esm/api').catch(() => null);
  if (tsx !== null) {
    tsx.register();
    return import('../src/cli/main.ts');
  }
  const built = new URL('../dist/src/cli/main.js', import.meta.url);
  if (!existsSync(built)) {
    process.stderr.write('execution-failover: dist/ is missing and this install has no tsx; run npm run build where the dev dependencies are installed\n');
    process.exit(2);
  }
  return import(built.href);
}

const { runCli, processIo } = await loadCli();
process.exitCode = await runCli(process.argv.slice(2), processIo);
