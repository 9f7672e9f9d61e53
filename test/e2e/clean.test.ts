import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fastParseGetToken } from '../../src/options/parse.js';
import { fileStore } from '../../src/session/file-store.js';
import { sessionInfo } from '../../src/session/info.js';
import { sessionKey } from '../../src/session/key.js';
import { testAmbient } from '../support/ambient.js';
import { TEST_PASSWORD } from '../support/idp.js';
import { PLUGIN_BIN } from '../support/paths.js';
import { run } from '../support/run.js';
import { newWorkspace, PASSWORD_LOGIN, useStack } from './harness.js';
import { e2eEnabled } from './requirements.js';

const enabled = e2eEnabled();

describe.skipIf(!enabled)("clean, as kubelogin's clean", () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubectl-oidc-clean-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('without flags removes every cached session; logout without them is a usage error', async () => {
    const b64 = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const account of ['work', 'home']) {
      const args = [
        '--oidc-issuer-url=https://idp.invalid',
        '--oidc-client-id=kubectl',
        `--account=${account}`,
        `--token-cache-dir=${dir}`,
      ];
      const options = fastParseGetToken(args, {})!;
      const idToken = `${b64({ alg: 'RS256' })}.${b64({ sub: account, email: `${account}@example.test`, exp: 4102444800 })}.c2ln`;
      await fileStore(dir, undefined, testAmbient()).save(
        sessionKey(options),
        { idToken },
        sessionInfo(options, { idToken }, 4102444800, Date.now()),
      );
    }
    const env = { ...process.env, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent' };
    const logout = await run(PLUGIN_BIN, ['logout', `--token-cache-dir=${dir}`, '--token-cache-storage=disk'], { env });
    expect(logout.code).toBe(2);
    expect(readdirSync(dir).filter((name) => name.endsWith('.json'))).toHaveLength(2);

    const clean = await run(PLUGIN_BIN, ['clean', `--token-cache-dir=${dir}`, '--token-cache-storage=disk'], { env });
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.stdout.trim().split('\n').sort()).toEqual([
      'removed home@example.test (account home) at https://idp.invalid, client kubectl (disk storage); no refresh token to revoke',
      'removed work@example.test (account work) at https://idp.invalid, client kubectl (disk storage); no refresh token to revoke',
    ]);
    expect(readdirSync(dir).filter((name) => name.endsWith('.json'))).toEqual([]);
  });

  describe('sessions remember how to reach their IdP', () => {
    const stack = useStack();

    it('clean and logout --all revoke without the flags: the private CA the session was made with is kept with it', async () => {
      const ws = newWorkspace(stack, {
        extraArgs: [...PASSWORD_LOGIN, '--token-cache-storage=disk'],
        env: { KUBECTL_OIDC_PASSWORD: TEST_PASSWORD },
      });
      try {
        // Two sessions, both made trusting the test IdP's private CA (--certificate-authority in the workspace's flags).
        for (const account of ['one', 'two']) {
          const login = await run(PLUGIN_BIN, [...ws.pluginArgs, `--account=${account}`], { env: ws.env });
          expect(login.code, login.stderr).toBe(0);
        }
        expect(ws.sessionFiles()).toHaveLength(2);
        const revocations = stack.idp.counts.revocations;
        // No CA flag now: the system's roots alone do not trust the IdP.
        const clean = await run(PLUGIN_BIN, ['clean', `--token-cache-dir=${ws.cacheDir}`, '--token-cache-storage=disk'], { env: ws.env });
        expect(clean.code, clean.stderr).toBe(0);
        expect(clean.stdout.trim().split('\n').sort()).toEqual(
          ['one', 'two'].map(
            (account) =>
              `removed pat@example.test (account ${account}) at ${stack.idp.issuer}, client kubectl (disk storage); revoked the refresh token at the IdP`,
          ),
        );
        expect(stack.idp.counts.revocations - revocations).toBe(2);
        expect(ws.sessionFiles()).toEqual([]);
      } finally {
        await ws.cleanup();
      }
    });
  });
});
