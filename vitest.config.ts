import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/redisGlobalSetup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Process-level tests start servers and Redis instances: two cores, so keep the pool small.
    maxWorkers: 2,
  },
});
