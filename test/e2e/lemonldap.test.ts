import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type TestApiServer } from '../support/apiserver.js';
import { makeCertificates, type TestCertificates } from '../support/certs.js';
import {
  type Lemonldap,
  LLNG_CONFIDENTIAL_CLIENT,
  LLNG_CONFIDENTIAL_SECRET,
  LLNG_USERINFO_CLIENT,
  startLemonldap,
} from '../support/lemonldap.js';
import { PLUGIN_BIN } from '../support/paths.js';
import { run } from '../support/run.js';
import { newWorkspace, parseWhoAmI, type WorkspaceStack } from './harness.js';
import { e2eEnabled } from './requirements.js';

/**
 * An OpenID Provider we did not write: LemonLDAP::NG from Debian, started here. Login through its portal in real
 * Chromium, the credential through real kubectl, refresh, setup's verdict, client credentials with a secret that
 * form-encoding changes, and logout at an IdP without a revocation endpoint.
 */
const enabled = e2eEnabled({ lemonldap: true });

/** Demo users of LemonLDAP::NG: dwho's mail is dwho@badwolf.org. */
const USER = 'dwho';
const EMAIL = 'dwho@badwolf.org';

describe.skipIf(!enabled)('LemonLDAP::NG, an independent OpenID Provider', () => {
  let certs: TestCertificates;
  let llng: Lemonldap;
  let api: TestApiServer;
  let stack: WorkspaceStack;
  beforeAll(async () => {
    certs = makeCertificates();
    llng = await startLemonldap(certs, { idTokenTtl: 3600, accessTokenTtl: 3600 });
    api = await startApiServer(certs, llng.issuer, 'kubectl');
    stack = { certs, idp: { issuer: llng.issuer }, api };
  }, 60_000);
  afterAll(async () => {
    await api?.stop();
    await llng?.stop();
  });

  const workspace = () =>
    newWorkspace(stack, {
      defaultListen: true,
      extraArgs: [`--listen-address=127.0.0.1:${llng.redirectPort}`],
      driverEnv: { DRIVER_LOGIN: USER },
    });

  it('logs in through its portal and kubectl gets the user; a refresh needs no browser', async () => {
    const ws = workspace();
    try {
      const first = await ws.kubectl();
      expect(first.code, first.stderr).toBe(0);
      expect(parseWhoAmI(first.stdout).username).toBe(EMAIL);
      expect((await ws.driverResult()).heading).toMatch(/logged in/i);

      const second = await ws.plugin(['-v', '--force-refresh']);
      expect(second.code, second.stderr).toBe(0);
      expect(second.stderr).toContain('refreshed the token');
      expect(second.stderr).not.toContain('open this URL');
      const token = JSON.parse(second.stdout).status.token as string;
      const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
      expect(claims).toMatchObject({ iss: llng.issuer, aud: expect.anything(), email: EMAIL });
    } finally {
      await ws.cleanup();
    }
  });

  it('setup: the verdict for its ID token, and what its refresh answers do', async () => {
    const ws = workspace();
    try {
      const result = await run(PLUGIN_BIN, ['setup', ...ws.pluginArgs.slice(1), '--oidc-username-claim=email', '-o', 'json'], {
        env: ws.env,
      });
      expect(result.code, result.stdout).toBe(0);
      const report = JSON.parse(result.stdout);
      expect(report.verdict).toMatchObject({ ok: true, username: EMAIL });
      expect(report.checks.find((c: { check: string }) => c.check === 'issuer')).toMatchObject({ level: 'ok' });
      expect(report.checks.find((c: { check: string }) => c.check === 'refresh')).toMatchObject({ level: 'ok' });
    } finally {
      await ws.cleanup();
    }
  });

  it('setup: claims released in userinfo only (its default) → the rejection and the IdP setting that fixes it', async () => {
    const ws = workspace();
    try {
      const result = await run(
        PLUGIN_BIN,
        ['setup', ...ws.pluginArgs.slice(1), `--oidc-client-id=${LLNG_USERINFO_CLIENT}`, '--oidc-username-claim=email', '-o', 'json'],
        { env: ws.env },
      );
      expect(result.code).toBe(1);
      const report = JSON.parse(result.stdout);
      expect(report.verdict).toMatchObject({ ok: false, reason: 'oidc: parse username claims "email": claim not present' });
      expect(report.userinfo).toMatchObject({ email: EMAIL });
      expect(report.checks.find((c: { check: string }) => c.check === 'email-claim')).toMatchObject({
        level: 'error',
        message: expect.stringContaining('(the IdP releases email in userinfo only)'),
        fix: expect.stringContaining('LemonLDAP::NG: the relying party\'s "Force claims to be returned in ID Token"'),
      });
    } finally {
      await ws.cleanup();
    }
  });

  it('client credentials with a secret that form-encoding changes: it does not decode Basic, unescaped Basic works', async () => {
    const ws = workspace();
    try {
      const args = [
        'get-token',
        `--oidc-issuer-url=${llng.issuer}`,
        `--oidc-client-id=${LLNG_CONFIDENTIAL_CLIENT}`,
        '--grant-type=client-credentials',
        `--certificate-authority=${certs.caFile}`,
        `--token-cache-dir=${ws.cacheDir}`,
        '-v',
      ];
      const env = { ...ws.env, KUBECTL_OIDC_CLIENT_SECRET: LLNG_CONFIDENTIAL_SECRET };
      // It refuses form-encoded Basic (401 invalid_client): unescaped Basic is tried, and works. It then grants
      // nothing without a scope: the line says so and what to pass.
      const noScope = await run(PLUGIN_BIN, args, { env });
      expect(noScope.code).toBe(1);
      expect(noScope.stderr).toMatch(
        /the token request \(client_credentials grant\) failed: HTTP 401 invalid_client; trying again with client_secret_basic_unescaped/,
      );
      expect(noScope.stderr).toContain(
        'kubectl-oidc: the token request (client_credentials grant) failed: HTTP 400 invalid_scope — this IdP wants a scope on ' +
          'this grant: pass --oidc-extra-scope (e.g. openid)',
      );
      // The client authentication that worked is remembered: the next run sends it first.
      const result = await run(PLUGIN_BIN, [...args, '--oidc-extra-scope=openid'], { env });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).not.toContain('trying again');
      expect(JSON.parse(result.stdout).status.token).toBeTruthy();
      expect(`${noScope.stderr}${result.stderr}`).not.toContain(LLNG_CONFIDENTIAL_SECRET);
    } finally {
      await ws.cleanup();
    }
  });

  it('logout at an IdP without a revocation endpoint removes the session and says the token stays valid', async () => {
    const ws = workspace();
    try {
      expect((await ws.plugin()).code).toBe(0);
      const logout = await run(PLUGIN_BIN, ['logout', ...ws.pluginArgs.slice(1)], { env: ws.env });
      expect(logout.code, logout.stderr).toBe(0);
      expect(logout.stdout).toContain(
        `removed ${EMAIL} at ${llng.issuer}, client kubectl (disk storage); the IdP offers no revocation endpoint`,
      );
      expect(ws.sessionFiles()).toEqual([]);
    } finally {
      await ws.cleanup();
    }
  });
});
