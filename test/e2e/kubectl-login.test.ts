import { readFileSync, statSync } from 'node:fs';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newWorkspace, parseWhoAmI, useStack } from './harness.js';
import { e2eEnabled } from './requirements.js';

const enabled = e2eEnabled();

const occupy = (port: number): Promise<Server | undefined> =>
  new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined)); // already taken by someone else: just as good
    server.listen(port, '127.0.0.1', () => resolve(server));
  });

describe.skipIf(!enabled)('real kubectl through the plugin, real browser, real IdP', () => {
  const stack = useStack();

  it("a kubelogin kubeconfig's own flags (--oidc-use-pkce, --listen-port, --no-keyring) work through kubectl", async () => {
    const ws = newWorkspace(stack, {
      defaultListen: true,
      extraArgs: ['--oidc-use-pkce', '--listen-port=0', '--no-keyring', '--tls-renegotiation-once', '-v'],
      driverEnv: { DRIVER_LOGIN: 'kube' },
    });
    try {
      const result = await ws.kubectl();
      expect(result.code, result.stderr).toBe(0);
      expect(parseWhoAmI(result.stdout).username).toBe('kube@example.test');
      expect(result.stderr).toContain('code_challenge_method=S256');
      expect(result.stderr).not.toContain('localhost%3A8000'); // --listen-port=0: any free port, not the default 8000
      expect(result.stderr).not.toContain('keychain'); // --no-keyring: disk storage, never asking the keychain
      expect(result.stderr).toContain('--tls-renegotiation-once/--tls-renegotiation-freely are accepted'); // said under -v
      const [session] = ws.sessionFiles();
      expect(JSON.parse(readFileSync(join(ws.cacheDir, session!), 'utf8'))).toMatchObject({ format: 'kubectl-oidc/session/v1' });
    } finally {
      await ws.cleanup();
    }
  });

  it('logs in through the browser once, then serves the next kubectl from the cache without asking the IdP', async () => {
    const ws = newWorkspace(stack, { driverEnv: { DRIVER_LOGIN: 'alice' } });
    try {
      const before = { ...stack.idp.counts, grants: { ...stack.idp.counts.grants } };
      const first = await ws.kubectl();
      expect(first.stderr).toContain('open this URL in your browser');
      expect(first.code, first.stderr).toBe(0);
      expect(parseWhoAmI(first.stdout)).toEqual({
        username: 'alice@example.test',
        groups: ['developers', 'kubectl-oidc-testers', 'system:authenticated'],
      });
      const page = await ws.driverResult();
      expect(page).toMatchObject({ status: 200, heading: 'You are logged in', account: 'Signed in as alice@example.test.' });
      expect(stack.idp.counts.logins).toBe(before.logins + 1);
      expect(stack.idp.counts.grants.authorization_code ?? 0).toBe((before.grants.authorization_code ?? 0) + 1);

      const [session] = ws.sessionFiles();
      expect(session).toMatch(/^[0-9a-f]{64}\.json$/);
      expect(statSync(join(ws.cacheDir, session!)).mode & 0o777).toBe(0o600);
      expect(statSync(ws.cacheDir).mode & 0o777).toBe(0o700);

      const afterLogin = { authorization: stack.idp.counts.authorization, grants: JSON.stringify(stack.idp.counts.grants) };
      const second = await ws.kubectl();
      expect(second.code, second.stderr).toBe(0);
      expect(parseWhoAmI(second.stdout).username).toBe('alice@example.test');
      expect(second.stderr).not.toContain('open this URL');
      expect(stack.idp.counts.authorization).toBe(afterLogin.authorization);
      expect(JSON.stringify(stack.idp.counts.grants)).toBe(afterLogin.grants);

      // No secret leaks to the terminal: neither token from the cache appears on stderr.
      // Without a keychain (no D-Bus here) the session is a plain 0600 file.
      const cached = (JSON.parse(readFileSync(join(ws.cacheDir, session!), 'utf8')) as { tokens: Record<string, string> }).tokens;
      for (const secret of [cached.idToken, cached.refreshToken, cached.accessToken]) {
        expect(secret).toBeTruthy();
        expect(first.stderr + second.stderr).not.toContain(secret);
      }
    } finally {
      await ws.cleanup();
    }
  });

  it('answers in the apiVersion kubectl asks for (v1beta1 and v1)', async () => {
    const ws = newWorkspace(stack, { apiVersion: 'client.authentication.k8s.io/v1beta1', driverEnv: { DRIVER_LOGIN: 'bob' } });
    try {
      const viaKubectl = await ws.kubectl();
      expect(viaKubectl.code, viaKubectl.stderr).toBe(0);
      expect(parseWhoAmI(viaKubectl.stdout).username).toBe('bob@example.test');
      for (const apiVersion of ['client.authentication.k8s.io/v1beta1', 'client.authentication.k8s.io/v1']) {
        const direct = await ws.plugin([], {
          KUBERNETES_EXEC_INFO: JSON.stringify({ apiVersion, kind: 'ExecCredential', spec: { interactive: false } }),
        });
        expect(direct.code, direct.stderr).toBe(0);
        const credential = JSON.parse(direct.stdout) as {
          apiVersion: string;
          kind: string;
          status: { token: string; expirationTimestamp: string };
        };
        expect(credential.apiVersion).toBe(apiVersion);
        expect(credential.kind).toBe('ExecCredential');
        expect(credential.status.token.split('.')).toHaveLength(3);
        expect(Date.parse(credential.status.expirationTimestamp)).toBeGreaterThan(Date.now());
      }
    } finally {
      await ws.cleanup();
    }
  });

  it('refreshes an expired token with one refresh grant and no browser', async () => {
    // ID tokens issued an hour ago with 30 s left: inside the 60 s margin, the next run must refresh.
    stack.idp.setQuirks({ staleIdTokens: true });
    const ws = newWorkspace(stack, { driverEnv: { DRIVER_LOGIN: 'carol' } });
    try {
      const first = await ws.kubectl();
      expect(first.code, first.stderr).toBe(0);
      const logins = stack.idp.counts.logins;
      const refreshes = stack.idp.counts.grants.refresh_token ?? 0;
      const second = await ws.kubectl();
      expect(second.code, second.stderr).toBe(0);
      expect(parseWhoAmI(second.stdout).username).toBe('carol@example.test');
      expect(second.stderr).not.toContain('open this URL');
      expect(stack.idp.counts.grants.refresh_token).toBe(refreshes + 1);
      expect(stack.idp.counts.logins).toBe(logins);
    } finally {
      stack.idp.setQuirks({});
      await ws.cleanup();
    }
  });

  it('ends the login with the IdP error when the user cancels (access_denied), and saves nothing', async () => {
    const ws = newWorkspace(stack, { driverEnv: { DRIVER_ACTION: 'deny' } });
    try {
      const result = await ws.kubectl();
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/kubectl-oidc: the IdP answered the login with access_denied: End-User aborted interaction\n/);
      expect(result.stdout).toBe('');
      const page = await ws.driverResult();
      expect(page.heading).toBe('Login failed');
      expect(page.detail).toContain('access_denied');
      expect(ws.sessionFiles()).toEqual([]);
    } finally {
      await ws.cleanup();
    }
  });

  it('falls back to the next --listen-address when the first is busy, and says so', async () => {
    // Two ports drawn now, not kubelogin's 8000 and 18000 (machine-wide: another run may hold them; the defaults
    // themselves are a unit test): the first held here, the second free.
    const blocker = (await occupy(0))!;
    const busy = (blocker.address() as AddressInfo).port;
    const spare = await occupy(0);
    const free = (spare!.address() as AddressInfo).port;
    spare!.close();
    const ws = newWorkspace(stack, {
      defaultListen: true,
      extraArgs: [`--listen-address=127.0.0.1:${busy}`, `--listen-address=127.0.0.1:${free}`],
      driverEnv: { DRIVER_LOGIN: 'dave' },
    });
    try {
      const result = await ws.kubectl();
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toContain(`skipped 127.0.0.1:${busy} (in use); listening on 127.0.0.1:${free}`);
      expect(result.stderr).toContain(`redirect_uri=http%3A%2F%2Flocalhost%3A${free}&`);
      expect(parseWhoAmI(result.stdout).username).toBe('dave@example.test');
    } finally {
      blocker.close();
      await ws.cleanup();
    }
  });
});
