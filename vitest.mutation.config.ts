import { defineConfig } from 'vitest/config';

/**
 * The tests Stryker runs against each mutant of `machines/` (`npm run mutation`): the pure ones
 * that drive the statecharts in-process. No Redis is needed, so no global setup. The simulate
 * command's test is left out: it runs the machine in a child process, where Stryker's active
 * mutant is not set, so it could kill nothing and would only slow every run down.
 */
export default defineConfig({
  test: {
    include: ['test/model/**/*.test.ts', 'test/machines/**/*.test.ts', 'test/simulation/**/*.test.ts', 'test/machines/operatorPause.test.ts'],
    exclude: ['test/simulation/cli.test.ts'],
    testTimeout: 30_000,
  },
});
