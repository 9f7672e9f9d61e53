import { mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/paths.js';
import { run } from '../support/run.js';
import { newWorkspace, useStack } from './harness.js';
import { e2eEnabled } from './requirements.js';

/**
 * `npm install -g` of the packed package, as a user installs it: on Linux the installed command is the sh launcher
 * (swapped in by the postinstall script), which serves a hit exactly as Node does; with scripts disabled it is the Node
 * entry, working as before.
 */
const enabled = e2eEnabled();

describe.skipIf(!enabled)('the installed package', () => {
  const stack = useStack();
  let dir: string;
  let tarball: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kubectl-oidc-install-'));
    const packed = await run('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', dir], { cwd: REPO_ROOT });
    expect(packed.code, packed.stderr).toBe(0);
    tarball = join(dir, packed.stdout.trim().split('\n').at(-1)!);
  }, 120_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const install = async (prefix: string, extra: string[] = []): Promise<string> => {
    const result = await run(
      'npm',
      ['install', '-g', '--prefix', prefix, '--prefer-offline', '--omit=optional', '--no-audit', '--no-fund', ...extra, tarball],
      { cwd: dir },
    );
    expect(result.code, result.stderr).toBe(0);
    return join(prefix, 'bin', 'kubectl-oidc');
  };

  it('npm install -g: the sh launcher, serving a hit as Node does; --ignore-scripts: the Node entry', async () => {
    const launcher = await install(join(dir, 'prefix'));
    expect(readFileSync(launcher, 'utf8')).toMatch(/^#!\/bin\/sh\n# kubectl-oidc launcher/);
    const plain = await install(join(dir, 'plain'), ['--ignore-scripts']);
    expect(readFileSync(plain, 'utf8')).toMatch(/^#!\/usr\/bin\/env node/);

    const ws = newWorkspace(stack, { driverEnv: { DRIVER_LOGIN: 'ines' } });
    try {
      const args = ws.pluginArgs;
      const first = await run(launcher, args, { env: ws.env }); // a miss: Node logs in and writes the hit file
      expect(first.code, first.stderr).toBe(0);
      // The hit needs no Node: with the Node entry moved away, the launcher still answers.
      const nodeEntry = join(dir, 'prefix', 'lib', 'node_modules', 'kubectl-oidc', 'bin', 'kubectl-oidc-node');
      renameSync(nodeEntry, `${nodeEntry}.away`);
      const viaLauncher = await run(launcher, args, { env: ws.env });
      renameSync(`${nodeEntry}.away`, nodeEntry);
      const viaNode = await run(plain, args, { env: ws.env });
      expect(viaLauncher.code, viaLauncher.stderr).toBe(0);
      expect(viaNode.code, viaNode.stderr).toBe(0);
      expect(viaLauncher.stdout).toBe(viaNode.stdout);
      expect((await run(launcher, ['--version'])).stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
      // kubectl's completion of `kubectl oidc …` finds this beside it on PATH.
      expect((await run(join(dir, 'prefix', 'bin', 'kubectl_complete-oidc'), ['se'])).stdout).toBe('setup\n:4\n');
    } finally {
      await ws.cleanup();
    }
  }, 180_000);
});
