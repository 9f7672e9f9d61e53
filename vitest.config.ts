import { defineConfig } from 'vitest/config';

// Two projects: `npm run test:unit` runs the unit one alone in seconds; `npm test` runs both.
export default defineConfig({
  test: {
    pool: 'forks',
    // The end-to-end files mostly wait (browsers, IdP round trips, kubectl): three at a time on two cores.
    maxWorkers: 3,
    reporters: ['default', './test/support/summary-reporter.ts'],
    // Generous: the suites must pass on a machine busy with other jobs (a test asserts order and counts, not time).
    testTimeout: 120_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['./test/support/browser-server.ts'],
          // A worker runs file after file with what it has imported (the test IdP, Playwright's client…), instead of a
          // process started and filled again for each of thirty files: the suite is bound by CPU, not by waiting.
          isolate: false,
        },
      },
    ],
  },
});
