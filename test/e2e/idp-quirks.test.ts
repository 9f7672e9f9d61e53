import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MACHINE_CLIENT_ID, MACHINE_CLIENT_SECRET, TEST_CLIENT_ID, TEST_PASSWORD } from '../support/idp.js';
import { PLUGIN_BIN } from '../support/paths.js';
import { run } from '../support/run.js';
import { cachedTokens, newWorkspace, PASSWORD_LOGIN, parseWhoAmI, useStack } from './harness.js';
import { e2eEnabled } from './requirements.js';

/**
 * IdPs we did not write, reproduced with the test IdP configured to misbehave as they do (FIELD-NOTES §7): Basic
 * credentials taken without form-decoding, refresh answers without an ID token, revocation only with a bearer token.
 */
const enabled = e2eEnabled();

describe.skipIf(!enabled)('IdPs that are strict or lax where others are not', () => {
  const stack = useStack();

  it('a server that does not form-decode Basic credentials: one refused try, then unescaped Basic, remembered', async () => {
    stack.idp.setQuirks({ strictBasic: true });
    const ws = newWorkspace(stack);
    try {
      expect(MACHINE_CLIENT_SECRET).toMatch(/-/); // form-encoding escapes it: machine%2Dsecret…
      const args = [
        'get-token',
        `--oidc-issuer-url=${stack.idp.issuer}`,
        `--oidc-client-id=${MACHINE_CLIENT_ID}`,
        '--grant-type=client-credentials',
        `--certificate-authority=${stack.certs.caFile}`,
        `--token-cache-dir=${ws.cacheDir}`,
        '--force-refresh',
      ];
      const env = { ...ws.env, KUBECTL_OIDC_CLIENT_SECRET: MACHINE_CLIENT_SECRET };
      const refused = stack.idp.counts.refusedClientAuth;
      const grants = stack.idp.counts.grants.client_credentials ?? 0;
      const first = await run(PLUGIN_BIN, [...args, '-v'], { env });
      expect(first.code, first.stderr).toBe(0);
      expect(JSON.parse(first.stdout).status.token).toBeTruthy();
      expect(stack.idp.counts.refusedClientAuth - refused).toBe(1);
      expect(first.stderr).toMatch(
        /the token request \(client_credentials grant\) failed: HTTP 403 with an empty body; trying again with client_secret_basic_unescaped/,
      );
      expect(first.stderr).not.toContain(MACHINE_CLIENT_SECRET);
      // What worked is kept with the issuer: the next run sends it first.
      const second = await run(PLUGIN_BIN, args, { env });
      expect(second.code, second.stderr).toBe(0);
      expect(stack.idp.counts.refusedClientAuth - refused).toBe(1);
      expect((stack.idp.counts.grants.client_credentials ?? 0) - grants).toBe(2);
      const record = readdirSync(ws.cacheDir).find((name) => name.startsWith('discovery-'));
      expect(JSON.parse(readFileSync(join(ws.cacheDir, record!), 'utf8')).clients).toEqual({
        [MACHINE_CLIENT_ID]: { clientAuth: 'client_secret_basic_unescaped' },
      });
    } finally {
      stack.idp.setQuirks({});
      await ws.cleanup();
    }
  });

  it('a refresh answer with an ID token only when the scope is asked for: one refresh request, no browser login', async () => {
    const ws = newWorkspace(stack, { driverEnv: { DRIVER_LOGIN: 'quinn' } });
    try {
      stack.idp.setQuirks({ staleIdTokens: true }); // 30 s left, inside the margin: the next run refreshes
      const discoveries = stack.idp.counts.discovery;
      expect((await ws.kubectl()).code).toBe(0);
      expect(stack.idp.counts.discovery - discoveries).toBe(1); // one discovery per cold start
      stack.idp.setQuirks({ noIdTokenOnRefresh: 'unlessScoped' });
      const logins = stack.idp.counts.logins;
      const refreshes = stack.idp.counts.grants.refresh_token ?? 0;
      const result = await ws.kubectl();
      expect(result.code, result.stderr).toBe(0);
      expect(parseWhoAmI(result.stdout).username).toBe('quinn@example.test');
      expect(stack.idp.counts.logins).toBe(logins);
      expect((stack.idp.counts.grants.refresh_token ?? 0) - refreshes).toBe(1);
      expect(stack.idp.counts.discovery - discoveries).toBe(1); // the refresh used the cached document
      expect(result.stderr).toBe('');
    } finally {
      stack.idp.setQuirks({});
      await ws.cleanup();
    }
  });

  it('a server that refuses any scope on refresh (invalid_scope): the same refresh once more without one, remembered', async () => {
    const ws = newWorkspace(stack, { extraArgs: PASSWORD_LOGIN, env: { KUBECTL_OIDC_PASSWORD: TEST_PASSWORD } });
    try {
      stack.idp.setQuirks({ staleIdTokens: true }); // every token inside the margin: each run refreshes
      expect((await ws.plugin()).code).toBe(0);
      stack.idp.setQuirks({ staleIdTokens: true, refuseScopedRefresh: true });
      const passwords = stack.idp.counts.grants.password ?? 0;
      const scopes = stack.idp.counts.refreshScopes.length;
      const first = await ws.plugin();
      expect(first.code, first.stderr).toBe(0);
      const [asked, retried] = stack.idp.counts.refreshScopes.slice(scopes);
      expect(asked).toContain('openid');
      expect(retried).toBeNull();
      expect(stack.idp.counts.refreshScopes.slice(scopes)).toHaveLength(2);
      const record = readdirSync(ws.cacheDir).find((name) => name.startsWith('discovery-'));
      expect(JSON.parse(readFileSync(join(ws.cacheDir, record!), 'utf8')).clients[TEST_CLIENT_ID]).toMatchObject({ refreshScope: false });
      // Learned: the next refresh is one request, without a scope.
      const second = await ws.plugin();
      expect(second.code, second.stderr).toBe(0);
      expect(stack.idp.counts.refreshScopes.slice(scopes + 2)).toEqual([null]);
      expect((stack.idp.counts.grants.password ?? 0) - passwords).toBe(0); // never a new login
    } finally {
      stack.idp.setQuirks({});
      await ws.cleanup();
    }
  });

  it('a refresh answer for another subject (sub u1 → admin): discarded, said in one line, the same person logs in again', async () => {
    const ws = newWorkspace(stack, { extraArgs: PASSWORD_LOGIN, env: { KUBECTL_OIDC_PASSWORD: TEST_PASSWORD } });
    try {
      stack.idp.setQuirks({ staleIdTokens: true });
      expect((await ws.plugin()).code).toBe(0);
      stack.idp.setQuirks({ idTokenClaims: { grant: 'refresh_token', claims: { sub: 'admin', email: 'admin@example.test' } } });
      const passwords = stack.idp.counts.grants.password ?? 0;
      const refreshes = stack.idp.counts.grants.refresh_token ?? 0;
      const result = await ws.plugin();
      expect(result.code, result.stderr).toBe(0);
      const claims = JSON.parse(Buffer.from(JSON.parse(result.stdout).status.token.split('.')[1], 'base64url').toString());
      expect(claims).toMatchObject({ sub: 'pat', email: 'pat@example.test' });
      expect(result.stderr.trim().split('\n')).toEqual([
        expect.stringMatching(
          /^kubectl-oidc: could not use the refresh answer \(the ID token of the refresh answer does not verify: it is for sub "admin", not this session's "pat" .*\); logging in again$/,
        ),
      ]);
      expect((stack.idp.counts.grants.refresh_token ?? 0) - refreshes).toBe(1);
      expect((stack.idp.counts.grants.password ?? 0) - passwords).toBe(1);
      // The session holds the same person's tokens: the answer for admin was kept nowhere.
      expect(JSON.parse(Buffer.from(cachedTokens(ws).idToken!.split('.')[1]!, 'base64url').toString()).sub).toBe('pat');
    } finally {
      stack.idp.setQuirks({});
      await ws.cleanup();
    }
  });

  it('revocation only with a bearer token: a public client revokes with its access token, refreshed first when expired', async () => {
    const ws = newWorkspace(stack, { driverEnv: { DRIVER_LOGIN: 'sage' } });
    try {
      stack.idp.setQuirks({ bearerRevocationOnly: true });
      stack.idp.setIdTokenTtl(20); // the access token expires too: bearer needs a fresh one
      expect((await ws.plugin()).code).toBe(0);
      stack.idp.setIdTokenTtl(3600);
      const revocations = stack.idp.counts.revocations;
      const refreshes = stack.idp.counts.grants.refresh_token ?? 0;
      const logout = await run(PLUGIN_BIN, ['logout', ...ws.pluginArgs.slice(1)], { env: ws.env });
      expect(logout.code, logout.stderr).toBe(0);
      expect(logout.stdout.trim()).toBe(
        `removed sage@example.test at ${stack.idp.issuer}, client ${TEST_CLIENT_ID} (disk storage); revoked the refresh token at the IdP`,
      );
      expect(stack.idp.counts.revocations - revocations).toBe(1);
      expect((stack.idp.counts.grants.refresh_token ?? 0) - refreshes).toBe(1);
      expect(ws.sessionFiles()).toEqual([]);
    } finally {
      stack.idp.setQuirks({});
      stack.idp.setIdTokenTtl(3600);
      await ws.cleanup();
    }
  });

  it('a revocation the IdP refuses: logout still removes the session, exits 0 and says so in one line', async () => {
    const ws = newWorkspace(stack, { driverEnv: { DRIVER_LOGIN: 'tao' } });
    try {
      expect((await ws.plugin()).code).toBe(0);
      const { accessToken } = cachedTokens(ws);
      stack.idp.setQuirks({ bearerRevocationOnly: true });
      // Revoke the access token straight at the IdP: the bearer try is refused too.
      await stack.idp.revokeAccessToken(accessToken!);
      const logout = await run(PLUGIN_BIN, ['logout', ...ws.pluginArgs.slice(1)], { env: ws.env });
      expect(logout.code, logout.stderr).toBe(0);
      expect(logout.stdout.trim()).toBe(
        `removed tao@example.test at ${stack.idp.issuer}, client ${TEST_CLIENT_ID} (disk storage); could not revoke the refresh ` +
          'token (the revocation request failed: HTTP 401 with an empty body)',
      );
      expect(ws.sessionFiles()).toEqual([]);
    } finally {
      stack.idp.setQuirks({});
      await ws.cleanup();
    }
  });
  it("an unknown client id: the authorization request's status and the words of the IdP's error page, before any browser", async () => {
    const ws = newWorkspace(stack, { extraArgs: ['--oidc-client-id=nobody'] });
    try {
      const result = await ws.plugin();
      expect(result.code).toBe(1);
      expect(result.stderr.trimEnd().split('\n').at(-1)).toMatch(
        /^kubectl-oidc: the authorization request failed: HTTP 400 \(text\/html\): [^<>]*invalid_client[^<>]* — check --oidc-client-id/,
      );
      expect(result.stderr).not.toContain('open this URL');
    } finally {
      await ws.cleanup();
    }
  });
  it('ID tokens verified with the cached keys (fetched once, at the login), a forged refresh answer refused and nothing of it kept', async () => {
    const ws = newWorkspace(stack, { driverEnv: { DRIVER_LOGIN: 'vic' } });
    try {
      stack.idp.setQuirks({ staleIdTokens: true });
      // The login fetches the keys once and keeps them; the refreshes after it are one request each.
      const jwks = stack.idp.counts.jwks;
      expect((await ws.plugin()).code).toBe(0);
      expect(stack.idp.counts.jwks - jwks).toBe(1);
      const refreshes = stack.idp.counts.grants.refresh_token ?? 0;
      expect((await ws.plugin()).code).toBe(0);
      expect((await ws.plugin()).code).toBe(0);
      expect((stack.idp.counts.grants.refresh_token ?? 0) - refreshes).toBe(2);
      expect(stack.idp.counts.jwks - jwks).toBe(1);
      // A refresh answer whose ID token was rewritten: refused, and nothing of it kept — not the refresh token it brought,
      // though it was written down the moment it arrived — then a login follows; here it is cut short (a browser that
      // never comes back), and the session is as it was before the answer.
      stack.idp.setQuirks({ staleIdTokens: true, forgeRefreshIdTokens: true });
      const before = cachedTokens(ws);
      const result = await ws.plugin(['--browser-command=true', '--authentication-timeout-sec=2']);
      expect(result.code).toBe(1);
      expect(result.stdout).not.toContain('admin@example.test');
      expect(result.stderr).toMatch(
        /kubectl-oidc: could not use the refresh answer \(the ID token of the refresh answer does not verify: signature verification failed\); logging in again/,
      );
      expect(cachedTokens(ws)).toEqual(before);
      expect(JSON.stringify(cachedTokens(ws))).not.toContain('admin');
    } finally {
      stack.idp.setQuirks({});
      await ws.cleanup();
    }
  });
});
