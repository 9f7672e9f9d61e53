import { readdirSync, readFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TEST_CLIENT_ID, TEST_PASSWORD } from '../support/idp.js';
import { PLUGIN_BIN } from '../support/paths.js';
import type { FrontQuirks, RedirectStatus } from '../support/quirk-front.js';
import { type RunResult, run } from '../support/run.js';
import {
  cachedTokens,
  type FrontedStack,
  issuerArgs,
  newWorkspace,
  PASSWORD_LOGIN,
  parseWhoAmI,
  type Workspace,
  withFrontedStack,
} from './harness.js';
import { e2eEnabled } from './requirements.js';

/**
 * The rows of docs/idp-compatibility.md that a front in front of the real test IdP reproduces: what IdPs and proxies in
 * the field do to discovery, the keys and the token endpoint, and what we make of it. Each test has its own IdP and
 * front, so the rows run concurrently.
 */
const enabled = e2eEnabled();

const DISK = ['--token-cache-storage=disk'];

const fronted = (work: (stack: FrontedStack, ws: Workspace) => Promise<void>, driverEnv: Record<string, string> = {}): Promise<void> =>
  withFrontedStack({ driverEnv, extraArgs: DISK }, work);

const passwordArgs = (stack: FrontedStack, ws: Workspace): string[] => [...issuerArgs(stack, ws), ...DISK, ...PASSWORD_LOGIN];

const password = (stack: FrontedStack, ws: Workspace, extra: string[] = []): Promise<RunResult> =>
  run(PLUGIN_BIN, [...passwordArgs(stack, ws), ...extra], { env: { ...ws.env, KUBECTL_OIDC_PASSWORD: TEST_PASSWORD } });

/** The lines the plugin said, without -v's debug lines and stack traces. */
const said = (stderr: string): string[] => stderr.split('\n').filter((line) => /^kubectl-oidc: (?!\[debug\])/.test(line));

const subjectOf = (result: RunResult): unknown => {
  const token = (JSON.parse(result.stdout) as { status: { token: string } }).status.token;
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')).sub;
};

const WELL_KNOWN = '/.well-known/openid-configuration';

describe.skipIf(!enabled).concurrent('IdPs and proxies that kube-apiserver accepts, through a quirk front', () => {
  for (const status of [301, 302, 303, 307, 308] as RedirectStatus[]) {
    it(`discovery and the JWKS moved with HTTP ${status}: followed, the issuer still compared exactly`, () =>
      fronted(async (stack, ws) => {
        stack.front.setQuirks({ redirect: { discovery: status, jwks: status } });
        const result = await password(stack, ws);
        expect(result.code, result.stderr).toBe(0);
        expect(subjectOf(result)).toBe('pat');
        // Each document: the redirect, then the document where it moved (the key check needed the JWKS).
        expect(stack.front.counts.discovery).toBe(2);
        expect(stack.front.counts.jwks).toBe(2);
      }));
  }

  it('a discovery document only at the slash form (Django-based providers): real kubectl works', () =>
    fronted(
      async (stack, ws) => {
        stack.front.setQuirks({ slashOnlyDiscovery: true });
        const result = await ws.kubectl();
        expect(result.code, result.stderr).toBe(0);
        expect(parseWhoAmI(result.stdout).username).toBe('uma@example.test');
      },
      { DRIVER_LOGIN: 'uma' },
    ));

  const brokenRedirects: [FrontQuirks['brokenRedirect'], (origin: string) => string][] = [
    [
      'nowhere',
      (origin) =>
        `no OpenID Connect discovery document at ${origin}${WELL_KNOWN} (HTTP 302 → ${origin}/nowhere, then HTTP 404 (text/plain): Not Found)`,
    ],
    [
      'loop',
      (origin) =>
        `the discovery request (GET ${origin}${WELL_KNOWN}) failed: HTTP 302 → ${origin}/elsewhere, HTTP 301 → ${origin}${WELL_KNOWN}: ` +
        'the redirects go round in a loop',
    ],
    [
      'to-http',
      (origin) =>
        `the discovery request (GET ${origin}${WELL_KNOWN}) failed: HTTP 301 → ${origin.replace('https:', 'http:')}${WELL_KNOWN}: ` +
        'a redirect from https to http is not followed',
    ],
  ];
  for (const [kind, line] of brokenRedirects) {
    it(`a discovery redirect that goes ${kind === 'to-http' ? 'from https to http' : kind === 'loop' ? 'round in a loop' : 'nowhere'}: one line with the status and the Location`, () =>
      fronted(async (stack, ws) => {
        stack.front.setQuirks({ brokenRedirect: kind });
        const result = await password(stack, ws);
        expect(result.code).toBe(1);
        expect(said(result.stderr)).toHaveLength(1);
        expect(said(result.stderr)[0]).toContain(`kubectl-oidc: ${line(stack.front.origin)}`);
        expect(result.stdout).toBe('');
      }));
  }

  it('odd but valid headers: Cache-Control twice or inside itself, JSON with a charset, the JWK Set media type, a bucket’s octet-stream', () =>
    fronted(async (stack, ws) => {
      stack.front.setQuirks({
        headers: {
          discovery: { 'cache-control': ['public', 'max-age=3600'], 'content-type': 'Application/JSON ; charset=UTF-8' },
          jwks: { 'cache-control': 'Cache-Control: public, max-age=3600', 'content-type': 'application/jwk-set+json' },
          token: { 'content-type': 'application/json; charset=UTF-8', 'cache-control': ['no-store', 'no-store'] },
        },
      });
      const first = await password(stack, ws);
      expect(first.code, first.stderr).toBe(0);
      // The document's max-age was read through the duplicated header: the refresh uses it without asking again.
      const refreshed = await password(stack, ws, ['--force-refresh']);
      expect(refreshed.code, refreshed.stderr).toBe(0);
      expect(stack.front.counts.discovery).toBe(1);
      expect(stack.front.counts['token:refresh_token']).toBe(1);

      // A static issuer in a storage bucket serves both documents as application/octet-stream.
      stack.front.setQuirks({
        headers: { discovery: { 'content-type': 'application/octet-stream' }, jwks: { 'content-type': 'binary/octet-stream' } },
      });
      const bucket = newWorkspace(stack, { extraArgs: DISK });
      try {
        const result = await password(stack, bucket);
        expect(result.code, result.stderr).toBe(0);
        expect(subjectOf(result)).toBe('pat');
      } finally {
        await bucket.cleanup();
      }
    }));

  it('discovery without code_challenge_methods_supported (as Entra ID): the browser login still sends S256 PKCE', () =>
    fronted(
      async (stack, ws) => {
        stack.front.setQuirks({ dropFields: ['code_challenge_methods_supported'] });
        const result = await ws.plugin();
        expect(result.code, result.stderr).toBe(0);
        expect(stack.front.authorizationQueries.map((q) => q.get('code_challenge_method'))).toContain('S256');
        expect(stack.front.authorizationQueries.every((q) => q.get('code_challenge_method') === 'S256')).toBe(true);
      },
      { DRIVER_LOGIN: 'noor' },
    ));

  it('discovery without a device_authorization_endpoint and the callback port busy: auto fails at once naming the port', () =>
    fronted(async (stack, ws) => {
      stack.front.setQuirks({ dropFields: ['device_authorization_endpoint'] });
      const busy = createServer();
      await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
      try {
        const port = (busy.address() as AddressInfo).port;
        const args = ws.pluginArgs.filter((a) => !a.startsWith('--listen-address')).concat(`--listen-address=127.0.0.1:${port}`);
        const result = await run(PLUGIN_BIN, args, { env: { ...ws.env, DISPLAY: '', SSH_CONNECTION: '10.0.0.1 22 10.0.0.2 22' } });
        expect(result.code).toBe(1);
        expect(result.stderr).toMatch(
          new RegExp(`^kubectl-oidc: cannot listen for the login callback: 127\\.0\\.0\\.1:${port} \\(in use\\) — `, 'm'),
        );
        expect(result.stderr).not.toMatch(/device|no browser can open|remaining/);
        expect(stack.front.counts.authorization ?? 0).toBe(0);
      } finally {
        busy.close();
      }
    }));

  it('discovery without a revocation_endpoint: logout removes the session and says the refresh token stays valid', () =>
    fronted(async (stack, ws) => {
      stack.front.setQuirks({ dropFields: ['revocation_endpoint'] });
      expect((await password(stack, ws)).code).toBe(0);
      const logout = await run(PLUGIN_BIN, ['logout', ...passwordArgs(stack, ws).slice(1)], { env: ws.env });
      expect(logout.code, logout.stderr).toBe(0);
      expect(logout.stdout.trim()).toMatch(/; the IdP offers no revocation endpoint, so the refresh token stays valid until it expires$/);
      expect(stack.front.counts.revocation ?? 0).toBe(0);
      expect(ws.sessionFiles()).toEqual([]);
    }));

  it('a key rotation while the JWKS is down: the refresh keeps its tokens and reports, no browser; after it, no browser either', () =>
    fronted(
      async (stack, ws) => {
        stack.idp.setQuirks({ staleIdTokens: true }); // every run refreshes
        expect((await ws.plugin()).code).toBe(0);
        const logins = stack.idp.counts.logins;
        const authorizations = stack.front.counts.authorization;
        stack.idp.setQuirks({ staleIdTokens: true, rotatedKey: true });
        stack.front.setQuirks({ jwksStatus: 503 });
        const spent = cachedTokens(ws).refreshToken;
        const outage = await ws.plugin();
        expect(outage.code).toBe(1);
        expect(said(outage.stderr)).toEqual([
          `kubectl-oidc: the ID token of the refresh answer cannot be verified: the JWKS request (GET ${stack.idp.issuer}/jwks) ` +
            'failed: HTTP 503 with an empty body — the session is kept; run the command again once the IdP serves its keys',
        ]);
        expect(outage.stdout).toBe('');
        expect(stack.front.counts.authorization).toBe(authorizations); // no browser
        expect(cachedTokens(ws).refreshToken).not.toBe(spent); // the rotated one, kept
        stack.front.setQuirks({});
        const after = await ws.plugin();
        expect(after.code, after.stderr).toBe(0);
        expect(after.stderr).toBe('');
        expect(stack.idp.counts.logins).toBe(logins);
        expect(stack.front.counts.authorization).toBe(authorizations);
        expect(stack.front.counts['token:refresh_token']).toBe(2);
      },
      { DRIVER_LOGIN: 'kim' },
    ));

  for (const grant of ['authorization_code', 'password', 'device_code'] as const) {
    it(`an ID token from the ${grant} grant signed with a key the IdP does not publish: refused, nothing cached or printed`, () =>
      fronted(
        async (stack, ws) => {
          stack.idp.setQuirks({ foreignIdTokens: true });
          const result =
            grant === 'password' ? await password(stack, ws) : await ws.plugin(grant === 'device_code' ? ['--grant-type=device-code'] : []);
          expect(result.code).toBe(1);
          expect(said(result.stderr).at(-1)).toBe(
            `kubectl-oidc: the ID token of the token answer (${grant} grant) does not verify: no key of the IdP matches its signature`,
          );
          expect(result.stdout).toBe('');
          expect(ws.sessionFiles()).toEqual([]);
        },
        { DRIVER_LOGIN: 'mal' },
      ));
  }

  it("a short secret in an IdP's HTML error page: masked, the page's other words kept", () =>
    fronted(async (stack, ws) => {
      stack.front.setQuirks({
        tokenErrorPage: { status: 500, html: '<html><body><h1>500</h1><p>upstream exploded access_token=LEAKME123</p></body></html>' },
      });
      const result = await password(stack, ws);
      expect(result.code).toBe(1);
      expect(said(result.stderr)).toEqual([
        'kubectl-oidc: the token request (password grant) failed: HTTP 500 (text/html): 500 upstream exploded access_token=…',
      ]);
      expect(result.stderr + result.stdout).not.toContain('LEAKME123');
    }));

  it('refresh answers that never carry an ID token: one refresh grant, then one login; said once, not at every login it causes', () =>
    fronted(
      async (stack, ws) => {
        stack.idp.setQuirks({ staleIdTokens: true, noIdTokenOnRefresh: 'always' });
        expect((await ws.plugin()).code).toBe(0);
        const expiry = async (): Promise<{ result: RunResult; refreshes: number; logins: number }> => {
          const refreshes = stack.front.counts['token:refresh_token'] ?? 0;
          const logins = stack.idp.counts.logins;
          const result = await ws.plugin();
          expect(result.code, result.stderr).toBe(0);
          return {
            result,
            refreshes: (stack.front.counts['token:refresh_token'] ?? 0) - refreshes,
            logins: stack.idp.counts.logins - logins,
          };
        };
        const first = await expiry();
        expect([first.refreshes, first.logins]).toEqual([1, 1]);
        expect(said(first.result.stderr).filter((line) => line.includes('sent no ID token'))).toEqual([
          'kubectl-oidc: the IdP refreshed the session but sent no ID token (OpenID Connect allows that), so a browser login ' +
            'follows; to avoid it, have the IdP include the ID token in refresh answers, or use --oidc-use-access-token where ' +
            'the cluster accepts access tokens',
        ]);
        expect(cachedTokens(ws).idToken).toBe(JSON.parse(first.result.stdout).status.token);
        const second = await expiry();
        expect([second.refreshes, second.logins]).toEqual([1, 1]);
        expect(second.result.stderr).not.toContain('sent no ID token');
        // What was learned is kept with the issuer, per client.
        const record = readdirSync(ws.cacheDir).find((name) => name.startsWith('discovery-'));
        expect(JSON.parse(readFileSync(join(ws.cacheDir, record!), 'utf8')).clients).toEqual({
          [TEST_CLIENT_ID]: { idTokenOnRefresh: false, refreshRotates: true },
        });
      },
      { DRIVER_LOGIN: 'ren' },
    ));
});
