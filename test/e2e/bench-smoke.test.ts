import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/paths.js';
import { run } from '../support/run.js';
import { e2eEnabled } from './requirements.js';

const enabled = e2eEnabled();

// CI times nothing: this only keeps `npm run bench` working (1 run per row, 10 instead of 50 parallel hits, no file
// written, no verdict on the figures).
describe.skipIf(!enabled)('npm run bench in smoke mode', () => {
  // It compiles the executable twice with Bun (42 s on an idle machine, over 120 s on one busy with other jobs): the
  // timeout only guards against a hang.
  it('measures every row and prints the table', { timeout: 600_000 }, async () => {
    const result = await run(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'scripts/bench.ts'), '--smoke'], { cwd: REPO_ROOT });
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toBe('| measurement | median | p95 | baseline median | ratio | target | result |');
    for (const row of [
      'cache hit (disk): wall',
      'refresh: wall (1.00 IdP requests/run)',
      // The compiled plugin it is compared with is on PATH where the Google Cloud SDK is installed.
      ...(spawnSync('sh', ['-c', 'command -v gke-gcloud-auth-plugin']).status === 0
        ? [
            'cache hit (disk) via the installed launcher vs gke-gcloud-auth-plugin',
            ...(process.platform === 'linux' && process.arch === 'x64'
              ? [
                  'cache hit (disk): the executable as the Linux and Windows archives ship it (native launcher) vs gke-gcloud-auth-plugin (goal 1.00 ×)',
                  "cache hit (disk): the macOS archives' sh launcher in front of the program vs gke-gcloud-auth-plugin",
                  'cache hit (disk): the compiled program alone vs gke-gcloud-auth-plugin',
                  'an empty compiled Bun program vs gke-gcloud-auth-plugin: the floor of any Bun executable',
                  "a miss's start (--version): through the native launcher vs the program alone",
                  "a miss's start (--version): the program, its rest a second bundle, vs the whole program in one bundle",
                ]
              : []),
          ]
        : []),
      '10 parallel cache hits: total wall',
      'kubectl auth whoami via the plugin (hit)',
    ]) {
      expect(
        lines.some((line) => line.startsWith(`| ${row} |`)),
        row,
      ).toBe(true);
    }
  });
});
