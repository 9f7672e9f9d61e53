import { describe, expect, it } from 'vitest';
import { TEST_PASSWORD } from '../support/idp.js';
import { PLUGIN_BIN } from '../support/paths.js';
import { run } from '../support/run.js';
import { newWorkspace, PASSWORD_LOGIN, useStack } from './harness.js';
import { e2eEnabled } from './requirements.js';

// The windows/amd64 executable under Wine (scripts/e2e-wine.sh sets KUBECTL_OIDC_TARGET and the plugin): what a
// Windows user's first hour does without a browser — a password login, the cached call, status, logout. Elsewhere the
// file has nothing to run against and says so.
const underWine = process.env.KUBECTL_OIDC_TARGET === 'windows/amd64';
if (!underWine)
  process.stderr.write('\n\x1b[43;30m wine.test.ts: only scripts/e2e-wine.sh runs it (the Windows executable under Wine) \x1b[0m\n\n');

describe.skipIf(!e2eEnabled() || !underWine)('the Windows executable, under Wine', () => {
  const stack = useStack();

  it('--version, a password login, the cached call with no IdP request, status and logout (disk storage)', async () => {
    const version = await run(PLUGIN_BIN, ['--version']);
    expect(version.stdout.trim()).toMatch(/\(windows\/amd64\)$/);
    const ws = newWorkspace(stack, {
      extraArgs: [...PASSWORD_LOGIN, '--token-cache-storage=disk'],
      env: { KUBECTL_OIDC_PASSWORD: TEST_PASSWORD },
    });
    try {
      const login = await run(PLUGIN_BIN, ws.pluginArgs, { env: ws.env });
      expect(login.code, login.stderr).toBe(0);
      const token = JSON.parse(login.stdout).status.token as string;
      expect(ws.sessionFiles()).toHaveLength(1);
      const requests = stack.idp.counts.requests;
      const cached = await run(PLUGIN_BIN, ws.pluginArgs, { env: ws.env });
      expect(cached.code, cached.stderr).toBe(0);
      expect(JSON.parse(cached.stdout).status.token).toBe(token);
      expect(stack.idp.counts.requests).toBe(requests);
      const status = await run(PLUGIN_BIN, ['status', `--token-cache-dir=${ws.cacheDir}`], { env: ws.env });
      expect(status.code, status.stderr).toBe(0);
      expect(status.stdout).toContain('pat@example.test');
      const revocations = stack.idp.counts.revocations;
      const logout = await run(PLUGIN_BIN, ['logout', ...ws.pluginArgs.slice(1)], { env: ws.env });
      expect(logout.code, logout.stderr).toBe(0);
      expect(logout.stdout).toMatch(/^removed pat@example\.test .*revoked the refresh token at the IdP\n$/);
      expect(stack.idp.counts.revocations - revocations).toBe(1);
      expect(ws.sessionFiles()).toEqual([]);
    } finally {
      await ws.cleanup();
    }
  });
});
