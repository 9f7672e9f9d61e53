import { defineConfig } from 'vitest/config';
import LongRunsFirst from './test/support/sequencer.js';

// The tests' processes start without the trust variables this machine sets for itself, each naming its whole system
// store: Node parses NODE_EXTRA_CA_CERTS at every start (~50 ms of CPU for each of the plugin's ~1,000 runs), and every
// miss would read SSL_CERT_DIR's ~150 files. No server the tests reach is vouched for by them; network.test.ts and
// system-bundle.ts set their own to test them.
for (const name of ['NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'SSL_CERT_DIR']) delete process.env[name];

// Two projects: `npm run test:unit` runs the unit one alone in seconds; `npm test` runs both.
export default defineConfig({
  test: {
    pool: 'forks',
    // The suite is bound by CPU (two cores here), yet some files wait on deadlines and timers: four at a time keep both
    // cores busy.
    maxWorkers: 4,
    reporters: ['default', './test/support/summary-reporter.ts'],
    sequence: { sequencer: LongRunsFirst },
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
