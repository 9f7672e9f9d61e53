import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TEST_CLIENT_ID } from '../support/idp.js';
import { PLUGIN_BIN, PLUGIN_IS_EXECUTABLE, REPO_ROOT } from '../support/paths.js';
import { start } from '../support/process.js';
import { run } from '../support/run.js';
import { cachedTokens, newWorkspace, parseWhoAmI, type Stack, useStack, type Workspace } from './harness.js';
import { e2eEnabled } from './requirements.js';

const enabled = e2eEnabled();
const PARALLEL = 20;
const NON_INTERACTIVE = {
  KUBERNETES_EXEC_INFO: JSON.stringify({
    apiVersion: 'client.authentication.k8s.io/v1',
    kind: 'ExecCredential',
    spec: { interactive: false },
  }),
};
const INTERACTIVE = {
  KUBERNETES_EXEC_INFO: JSON.stringify({
    apiVersion: 'client.authentication.k8s.io/v1',
    kind: 'ExecCredential',
    spec: { interactive: true },
  }),
};

const snapshot = (stack: Stack) => ({
  authorization: stack.idp.counts.authorization,
  logins: stack.idp.counts.logins,
  codes: stack.idp.counts.grants.authorization_code ?? 0,
  refreshes: stack.idp.counts.grants.refresh_token ?? 0,
});

const delta = (stack: Stack, before: ReturnType<typeof snapshot>) => {
  const now = snapshot(stack);
  return {
    authorization: now.authorization - before.authorization,
    logins: now.logins - before.logins,
    codes: now.codes - before.codes,
    refreshes: now.refreshes - before.refreshes,
  };
};

const parallelKubectl = async (ws: Workspace, count: number) => {
  const started = performance.now();
  const results = await Promise.all(Array.from({ length: count }, () => ws.kubectl()));
  return { results, ms: Math.round(performance.now() - started) };
};

const postToIdp = (stack: Stack, path: string, form: Record<string, string>): Promise<number> =>
  new Promise((resolve, reject) => {
    const body = new URLSearchParams({ ...form, client_id: TEST_CLIENT_ID }).toString();
    const req = request(
      `${stack.idp.issuer}${path}`,
      { method: 'POST', ca: stack.certs.caPem, headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.once('error', reject);
    req.end(body);
  });

/** A refresh grant sent straight to the IdP's token endpoint, as an attacker holding an old refresh token would. */
const refreshDirectly = (stack: Stack, refreshToken: string): Promise<number> =>
  postToIdp(stack, '/token', { grant_type: 'refresh_token', refresh_token: refreshToken });

const revokeDirectly = (stack: Stack, refreshToken: string): Promise<number> =>
  postToIdp(stack, '/token/revocation', { token: refreshToken, token_type_hint: 'refresh_token' });

describe.skipIf(!enabled)('sessions shared by many kubectl processes', () => {
  const stack = useStack();

  it(`${PARALLEL} parallel cold kubectl processes cause exactly one browser login`, async () => {
    const ws = newWorkspace(stack, { driverEnv: { DRIVER_LOGIN: 'kate' } });
    try {
      const before = snapshot(stack);
      const { results, ms } = await parallelKubectl(ws, PARALLEL);
      for (const result of results) {
        expect(result.code, result.stderr).toBe(0);
        expect(parseWhoAmI(result.stdout).username).toBe('kate@example.test');
      }
      const seen = delta(stack, before);
      // One login in the browser and one code exchange; /auth sees the browser and the plugin's preflight check.
      expect(seen).toEqual({ authorization: 2, logins: 1, codes: 1, refreshes: 0 });
      expect(results.filter((r) => r.stderr.includes('open this URL'))).toHaveLength(1);
      console.log(`cold x${PARALLEL}: ${JSON.stringify(seen)} in ${ms} ms`);
    } finally {
      await ws.cleanup();
    }
  });

  it(`${PARALLEL} parallel kubectl processes with an expired token cause exactly one refresh grant`, async () => {
    const ws = newWorkspace(stack, { driverEnv: { DRIVER_LOGIN: 'leo' } });
    try {
      stack.idp.setQuirks({ staleIdTokens: true }); // 30 s left, inside the margin: the next runs refresh
      expect((await ws.kubectl()).code).toBe(0);
      stack.idp.setQuirks({});
      const before = snapshot(stack);
      const { results, ms } = await parallelKubectl(ws, PARALLEL);
      for (const result of results) {
        expect(result.code, result.stderr).toBe(0);
        expect(parseWhoAmI(result.stdout).username).toBe('leo@example.test');
      }
      const seen = delta(stack, before);
      expect(seen).toEqual({ authorization: 0, logins: 0, codes: 0, refreshes: 1 });
      console.log(`expired x${PARALLEL}: ${JSON.stringify(seen)} in ${ms} ms`);
    } finally {
      stack.idp.setQuirks({});
      await ws.cleanup();
    }
  });

  // The scope a refresh asks for is the same JavaScript in the executable (the executable's run: the refreshes above).
  it.skipIf(PLUGIN_IS_EXECUTABLE)(
    'a login that asked for offline_access without consent (the IdP drops it): 12 kubectl after expiry → 1 refresh, no login',
    async () => {
      // node oidc-provider's default: offline_access only with prompt=consent. The grant is narrower than the request.
      const ws = newWorkspace(stack, { driverEnv: { DRIVER_LOGIN: 'olga' }, extraArgs: ['--oidc-extra-scope=offline_access'] });
      try {
        stack.idp.setQuirks({ staleIdTokens: true });
        expect((await ws.kubectl()).code).toBe(0);
        stack.idp.setQuirks({});
        const granted = cachedTokens(ws).scope!;
        expect(granted.split(' ')).toContain('openid');
        expect(granted.split(' ')).not.toContain('offline_access');
        const before = snapshot(stack);
        const scopesBefore = stack.idp.counts.refreshScopes.length;
        const { results } = await parallelKubectl(ws, 12);
        for (const result of results) {
          expect(result.code, result.stderr).toBe(0);
          expect(result.stderr).not.toContain('open this URL');
        }
        expect(delta(stack, before)).toEqual({ authorization: 0, logins: 0, codes: 0, refreshes: 1 });
        // The refresh asked for what was granted (its ID token needs openid), never for what the IdP dropped.
        expect(stack.idp.counts.refreshScopes.slice(scopesBefore)).toEqual([granted]);
      } finally {
        stack.idp.setQuirks({});
        await ws.cleanup();
      }
    },
  );

  // The executable's run: the short lifetime, where a waiter's margin is tightest.
  it.each(PLUGIN_IS_EXECUTABLE ? [5] : [5, 20])(
    '50 parallel get-token after a %i s token expired: one refresh grant, one credential while it lasts',
    async (lifetime) => {
      const ws = newWorkspace(stack, { driverEnv: { DRIVER_LOGIN: `short-${lifetime}` } });
      try {
        stack.idp.setQuirks({ staleIdTokens: true });
        expect((await ws.plugin()).code).toBe(0);
        stack.idp.setQuirks({});
        stack.idp.setIdTokenTtl(lifetime);
        const before = snapshot(stack);
        const started = performance.now();
        const results = await Promise.all(Array.from({ length: 50 }, () => ws.plugin()));
        const ms = Math.round(performance.now() - started);
        const finished = Date.now();
        const credentials = results.map((result) => {
          expect(result.code, result.stderr).toBe(0);
          return JSON.parse(result.stdout).status as { token: string; expirationTimestamp: string };
        });
        // One refresh, whose credential every process gets while it counts as fresh. On a machine too busy to start 50
        // processes while it does, the late ones refresh again — but only once the margin says it is due: it counts as
        // expired min(60 s, a third of its lifetime) before its exp (iat is whole seconds: floored). One refresh each.
        const issued = [...new Set(credentials.map((c) => c.token))]
          .map((token) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { iat: number; exp: number })
          .sort((a, b) => a.iat - b.iat);
        for (let i = 1; i < issued.length; i++) {
          const { iat, exp } = issued[i - 1]!;
          expect(issued[i]!.iat).toBeGreaterThanOrEqual(Math.floor(exp - Math.min(60, (exp - iat) / 3)));
        }
        expect(delta(stack, before)).toEqual({ authorization: 0, logins: 0, codes: 0, refreshes: issued.length });
        // Never a time in the past: kubectl would run the plugin again at once.
        for (const c of credentials) expect(Date.parse(c.expirationTimestamp)).toBeGreaterThan(finished - ms);
        console.log(`${lifetime} s token, 50 parallel: ${issued.length} refresh(es), ${issued.length} credential(s), in ${ms} ms`);
      } finally {
        stack.idp.setIdTokenTtl(3600);
        await ws.cleanup();
      }
    },
  );

  // The line is the same JavaScript in the executable (its refreshes: the cases above).
  it.skipIf(PLUGIN_IS_EXECUTABLE)('says in one line why a refresh failed before it opens the browser', async () => {
    const ws = newWorkspace(stack, { driverEnv: { DRIVER_LOGIN: 'pat' } });
    try {
      stack.idp.setQuirks({ staleIdTokens: true });
      expect((await ws.plugin()).code).toBe(0);
      stack.idp.setQuirks({});
      expect(await revokeDirectly(stack, cachedTokens(ws).refreshToken!)).toBe(200);
      const result = await ws.plugin();
      expect(result.code, result.stderr).toBe(0);
      const lines = result.stderr.split('\n');
      const why = lines.findIndex((line) =>
        /^kubectl-oidc: could not refresh the token \(the token request \(refresh_token grant\) failed: HTTP 400 invalid_grant.*\); logging in again$/.test(
          line,
        ),
      );
      expect(why).toBeGreaterThanOrEqual(0);
      expect(why).toBeLessThan(lines.findIndex((line) => line.includes('open this URL')));
    } finally {
      stack.idp.setQuirks({});
      await ws.cleanup();
    }
  });

  it('recovers at once from a lock holder that was killed', async () => {
    const ws = newWorkspace(stack);
    try {
      // The waiter's own lock timeout (the login timeout + 60 s) far beyond the test's: only seeing the holder dead frees it.
      const args = [
        ...ws.pluginArgs.filter((a) => !a.startsWith('--browser-command')),
        '--skip-open-browser',
        '--authentication-timeout-sec=3600',
      ];
      const env = ws.env;
      const holder = start(PLUGIN_BIN, args, env);
      await holder.waitForStderr(/https:\/\/\S+\/auth\?/);
      const waiter = start(PLUGIN_BIN, args, env);
      await waiter.waitForStderr(/another kubectl-oidc process is logging in or refreshing this session; waiting for it/);
      const killedAt = performance.now();
      holder.child.kill('SIGKILL');
      await waiter.waitForStderr(/https:\/\/\S+\/auth\?/);
      const takeoverMs = Math.round(performance.now() - killedAt);
      console.log(`lock take-over after SIGKILL of the holder: ${takeoverMs} ms`);
      waiter.child.kill('SIGINT');
      expect(await waiter.exited).toBe(130);
      expect(readdirSync(ws.cacheDir).filter((name) => name.endsWith('.lock'))).toEqual([]);
    } finally {
      await ws.cleanup();
    }
  });

  it('after an abandoned login, background runs fail fast instead of opening another tab; a terminal may log in', async () => {
    const ws = newWorkspace(stack);
    try {
      // 5 s: long enough for the second process to start and queue behind the lock even on a machine busy with the suite.
      const abandoned = ['--skip-open-browser', '--authentication-timeout-sec=5'];
      // A waiter that shared the abandoned login fails with it, without a login of its own.
      const env = { ...ws.env, ...NON_INTERACTIVE };
      const args = [...ws.pluginArgs, ...abandoned];
      const first = start(PLUGIN_BIN, args, env);
      await first.waitForStderr(/https:\/\/\S+\/auth\?/);
      const sharer = start(PLUGIN_BIN, args, env);
      await sharer.waitForStderr(/waiting for it/);
      expect(await first.exited).toBe(1);
      expect(first.stderr()).toMatch(/no login completed within 5 s/);
      expect(await sharer.exited).toBe(1);
      expect(sharer.stderr()).not.toContain('open this URL');
      expect(sharer.stderr().trimEnd().split('\n').at(-1)).toMatch(
        new RegExp(
          String.raw`^kubectl-oidc: the last login for this session failed \d+ s ago \(no login completed within 5 s\); ` +
            String.raw`not opening another browser tab for \d+ s — run a kubectl command from a terminal to log in now$`,
        ),
      );

      const authorization = stack.idp.counts.authorization;
      const background = await ws.plugin([], NON_INTERACTIVE);
      expect(background.code).toBe(1);
      expect(background.stderr).toContain('not opening another browser tab');
      expect(background.stderr).not.toContain('open this URL');
      expect(stack.idp.counts.authorization).toBe(authorization);

      const terminal = await ws.plugin([], INTERACTIVE);
      expect(terminal.code, terminal.stderr).toBe(0);
      const after = await ws.plugin([], NON_INTERACTIVE);
      expect(after.code, after.stderr).toBe(0);
    } finally {
      await ws.cleanup();
    }
  });

  it('logout revokes the refresh token at the IdP and removes the session; status never shows a token', async () => {
    const ws = newWorkspace(stack, { driverEnv: { DRIVER_LOGIN: 'mallory' } });
    try {
      expect((await ws.plugin()).code).toBe(0);
      const { refreshToken, idToken } = cachedTokens(ws);
      expect(refreshToken).toBeTruthy();

      const status = await run(PLUGIN_BIN, ['status', `--token-cache-dir=${ws.cacheDir}`]);
      expect(status.stdout).toMatch(/^ISSUER\s+CLIENT\s+ACCOUNT\s+USER\s+EXPIRES\s+REFRESH\s+STORAGE\n/);
      expect(status.stdout).toContain('mallory@example.test');
      expect(status.stdout).toMatch(/in (59|60)m\s+yes\s+disk/);
      expect(status.stdout).not.toContain(idToken!.slice(0, 30));
      expect(status.stdout).not.toContain(refreshToken!);

      const logout = await run(PLUGIN_BIN, ['logout', ...ws.pluginArgs.slice(1)], { env: ws.env });
      expect(logout.code, logout.stderr).toBe(0);
      expect(logout.stdout.trim()).toBe(
        `removed mallory@example.test at ${stack.idp.issuer}, client ${TEST_CLIENT_ID} (disk storage); revoked the refresh ` +
          `token at the IdP`,
      );
      expect(ws.sessionFiles()).toEqual([]);
      expect(await refreshDirectly(stack, refreshToken!)).toBe(400);

      const again = await run(PLUGIN_BIN, ['clean', ...ws.pluginArgs.slice(1)], { env: ws.env });
      expect(again.stdout).toContain('found no');
    } finally {
      await ws.cleanup();
    }
  });

  // Session keys are the same JavaScript in the executable.
  it.skipIf(PLUGIN_IS_EXECUTABLE)(
    'keeps two accounts at one IdP apart (--account, --login-hint) and logs both out with --all',
    async () => {
      const ws = newWorkspace(stack);
      try {
        const env = ws.env;
        const work = await run(PLUGIN_BIN, [...ws.pluginArgs, '--account=work', '--login-hint=nina'], { env });
        expect(work.code, work.stderr).toBe(0);
        expect(work.stderr).toContain('login_hint=nina');
        const personal = await run(PLUGIN_BIN, [...ws.pluginArgs, '--account=personal', '--login-hint=oscar'], { env });
        expect(personal.code, personal.stderr).toBe(0);
        const subjectOf = (stdout: string): string =>
          (
            JSON.parse(
              Buffer.from((JSON.parse(stdout) as { status: { token: string } }).status.token.split('.')[1]!, 'base64url').toString(),
            ) as { sub: string }
          ).sub;
        expect(subjectOf(work.stdout)).toBe('nina');
        expect(subjectOf(personal.stdout)).toBe('oscar');
        expect(ws.sessionFiles()).toHaveLength(2);
        const hit = await run(PLUGIN_BIN, [...ws.pluginArgs, '--account=work', '--login-hint=nina'], { env });
        expect(subjectOf(hit.stdout)).toBe('nina');
        expect(hit.stderr).not.toContain('open this URL');

        const all = await run(
          PLUGIN_BIN,
          ['logout', '--all', `--token-cache-dir=${ws.cacheDir}`, `--certificate-authority=${stack.certs.caFile}`],
          { env },
        );
        expect(all.code, all.stderr).toBe(0);
        expect(all.stdout.trim().split('\n')).toHaveLength(2);
        expect(all.stdout).toContain('nina@example.test (account work)');
        expect(all.stdout).toContain('oscar@example.test (account personal)');
        expect(all.stdout.match(/revoked the refresh token at the IdP/g)).toHaveLength(2);
        expect(ws.sessionFiles()).toEqual([]);
      } finally {
        await ws.cleanup();
      }
    },
  );

  it('a writer killed mid-write never leaves a partial session file', async () => {
    const ws = newWorkspace(stack);
    try {
      const path = join(ws.dir, 'session.json');
      for (const writes of [1, 2, 3, 5, 8]) {
        const writer = start(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test/support/write-loop.ts'), path], {
          ...process.env,
        });
        await writer.waitForStderr(new RegExp(`wrote ${writes}\\n`));
        writer.child.kill('SIGKILL');
        await writer.exited;
        const content = readFileSync(path, 'utf8');
        const parsed = JSON.parse(content) as { tokens: { idToken: string } };
        expect(parsed.tokens.idToken).toMatch(/^(a+|b+)$/);
        expect(parsed.tokens.idToken).toHaveLength(4 << 20);
      }
    } finally {
      await ws.cleanup();
    }
  });
});
