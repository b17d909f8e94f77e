#!/usr/bin/env node
// The package's command line (contract section 12). For now it runs the TypeScript sources through
// tsx, registered in this process so that exit codes and signals need no relaying; a compiled
// build (`npm run build`, dist/) will replace this shim.
import { register } from 'tsx/esm/api';

register();
// A reader that stops early (\`| head\`) closes the pipe: the output is no longer wanted, which is no error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});
const { runCli, processIo } = await import('../src/cli/main.ts');
process.exitCode = await runCli(process.argv.slice(2), processIo);
