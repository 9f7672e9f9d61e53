import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    globalSetup: ['./test/support/browser-server.ts'],
    // The end-to-end files mostly wait (browsers, IdP round trips, kubectl): three at a time on two cores.
    maxWorkers: 3,
    testTimeout: 120_000,
    hookTimeout: 60_000,
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
