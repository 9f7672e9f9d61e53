import { describe, expect, it } from 'vitest';
import { MACHINE_CLIENT_ID, MACHINE_CLIENT_SECRET, SUBJECT_TOKEN_PREFIX, TEST_PASSWORD } from '../support/idp.js';
import { BROWSER_DRIVER, PLUGIN_BIN } from '../support/paths.js';
import { start } from '../support/process.js';
import { type RunResult, run } from '../support/run.js';
import { type FrontedStack, issuerArgs, PASSWORD_LOGIN, type Workspace, withFrontedStack } from './harness.js';
import { e2eEnabled } from './requirements.js';

/**
 * A deadline on every request to the IdP: for each kind of request, a front that takes it and never answers, and the
 * run ends by itself with one line that names the request and the host. Each test has its own IdP and front, so the
 * table runs concurrently (the runs mostly wait).
 */
const enabled = e2eEnabled();
/** Long enough for a loaded machine's IdP to answer what is not stalled; the stalled request still ends at it. */
const TIMEOUT_SEC = 5;

const fronted = (work: (stack: FrontedStack, ws: Workspace) => Promise<void>): Promise<void> =>
  withFrontedStack({ extraArgs: [`--idp-timeout-sec=${TIMEOUT_SEC}`] }, work);

const lastLine = (text: string): string => text.trimEnd().split('\n').at(-1) ?? '';
const escaped = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** "<what> failed: no complete answer from <host> within TIMEOUT_SEC s", as the one line a run ends with. */
const stalledLine = (stack: FrontedStack, what: string): RegExp =>
  new RegExp(
    `^kubectl-oidc: ${escaped(what)} failed: no complete answer from ${escaped(new URL(stack.front.origin).host)} within ${TIMEOUT_SEC} s`,
  );

const common = (stack: FrontedStack, ws: Workspace, clientId?: string): string[] => [
  ...issuerArgs(stack, ws, clientId),
  `--idp-timeout-sec=${TIMEOUT_SEC}`,
];

const passwordArgs = (stack: FrontedStack, ws: Workspace): string[] => [...common(stack, ws), ...PASSWORD_LOGIN];

const password = (stack: FrontedStack, ws: Workspace, extra: string[] = []): Promise<RunResult> =>
  run(PLUGIN_BIN, [...passwordArgs(stack, ws), ...extra], { env: { ...ws.env, KUBECTL_OIDC_PASSWORD: TEST_PASSWORD } });

const expectStalled = (stack: FrontedStack, result: RunResult, what: string, kind: string): void => {
  expect(result.code, result.stderr).toBe(1);
  expect(lastLine(result.stderr)).toMatch(stalledLine(stack, what));
  expect(result.stdout).toBe('');
  expect(stack.front.counts.stalled, kind).toBe(1);
};

describe.skipIf(!enabled).concurrent('a deadline on every request to the IdP (a front that never answers one kind)', () => {
  it('discovery', () =>
    fronted(async (stack, ws) => {
      stack.front.setQuirks({ stall: ['discovery'] });
      expectStalled(stack, await password(stack, ws), 'OpenID discovery', 'discovery');
    }));

  it("the JWKS, fetched to verify a login's ID token: the session's refresh token is kept for the next run", () =>
    fronted(async (stack, ws) => {
      stack.front.setQuirks({ stall: ['jwks'] });
      const result = await password(stack, ws);
      expect(result.code).toBe(1);
      expect(lastLine(result.stderr)).toMatch(
        new RegExp(
          `^kubectl-oidc: the ID token of the token answer \\(password grant\\) cannot be verified: ${stalledLine(stack, `the JWKS request (GET ${stack.idp.issuer}/jwks)`).source.slice('^kubectl-oidc: '.length)}`,
        ),
      );
      // The keys are back: the kept refresh token gets the token, with no new password.
      stack.front.setQuirks({});
      const passwords = stack.front.counts['token:password'];
      const next = await run(PLUGIN_BIN, passwordArgs(stack, ws), { env: ws.env });
      expect(next.code, next.stderr).toBe(0);
      expect(stack.front.counts['token:password']).toBe(passwords);
      expect(stack.front.counts['token:refresh_token']).toBe(1);
    }));

  it('the authorization request (the preflight before a browser opens)', () =>
    fronted(async (stack, ws) => {
      stack.front.setQuirks({ stall: ['authorization'] });
      const result = await ws.plugin();
      expectStalled(stack, result, 'the authorization request', 'authorization');
      expect(result.stderr).not.toContain('open this URL');
    }));

  it('the code exchange, over SSH where the device flow runs beside the loopback login: ends at its deadline, not the login timeout', () =>
    fronted(async (stack, ws) => {
      stack.front.setQuirks({ stall: ['authorization_code'] });
      const noBrowser = { DISPLAY: '', WAYLAND_DISPLAY: '', BROWSER: '', SSH_CONNECTION: '10.0.0.1 22 10.0.0.2 22', SSH_TTY: '' };
      // The device flow would poll until the login timeout, far beyond the test's: only the race ending ends the run.
      const args = ws.pluginArgs.filter((a) => !a.startsWith('--browser-command')).concat('-v', '--authentication-timeout-sec=3600');
      const plugin = start(PLUGIN_BIN, args, { ...ws.env, ...noBrowser });
      await plugin.waitForStderr(/or open (https:\/\/\S+)/); // the device flow is polling
      const [, authUrl] = await plugin.waitForStderr(/which leads to\n\n {4}(https:\/\/\S+\/auth\?\S+)/);
      const driver = run(process.execPath, [BROWSER_DRIVER, authUrl!], { env: { ...process.env, DRIVER_LOGIN: 'olga' } });
      await plugin.waitForStderr(/exchanging the code/);
      const code = await plugin.exited;
      await driver;
      expect(code).toBe(1);
      const said = plugin
        .stderr()
        .split('\n')
        .filter((line) => /^kubectl-oidc: (?!\[debug\])/.test(line));
      expect(said.at(-1)).toMatch(stalledLine(stack, 'the token request (authorization_code grant)'));
      expect(ws.sessionFiles()).toEqual([]);
    }));

  it('the code exchange after a browser login, with the default deadline (20 s): one line naming the request, no hang', () =>
    withFrontedStack({ driverEnv: { DRIVER_LOGIN: 'dora' } }, async (stack, ws) => {
      stack.front.setQuirks({ stall: ['authorization_code'] });
      const result = await ws.plugin();
      expect(result.code, result.stderr).toBe(1);
      expect(lastLine(result.stderr)).toMatch(
        new RegExp(
          `^kubectl-oidc: the token request \\(authorization_code grant\\) failed: no complete answer from ${escaped(new URL(stack.front.origin).host)} within 20 s`,
        ),
      );
      expect(stack.front.counts.stalled).toBe(1);
      expect(ws.sessionFiles()).toEqual([]);
      // The browser's page says the same.
      const page = await ws.driverResult();
      expect(page.heading).toBe('Login failed');
      expect(page.detail).toContain('the token request (authorization_code grant) failed: no complete answer from');
    }));

  it('the device authorization request', () =>
    fronted(async (stack, ws) => {
      stack.front.setQuirks({ stall: ['device-authorization'] });
      const result = await run(PLUGIN_BIN, [...common(stack, ws), '--grant-type=device-code', '--skip-open-browser'], { env: ws.env });
      expectStalled(stack, result, 'the device authorization request', 'device-authorization');
    }));

  it('device polling', () =>
    fronted(async (stack, ws) => {
      stack.front.setQuirks({ stall: ['urn:ietf:params:oauth:grant-type:device_code'] });
      const result = await run(PLUGIN_BIN, [...common(stack, ws), '--grant-type=device-code', '--skip-open-browser'], { env: ws.env });
      expectStalled(stack, result, 'the token request (device_code grant)', 'device polling');
      expect(result.stderr).toContain('enter the code');
    }));

  it('the refresh: no login follows, the session is kept', () =>
    fronted(async (stack, ws) => {
      expect((await password(stack, ws)).code).toBe(0);
      stack.front.setQuirks({ stall: ['refresh_token'] });
      const result = await password(stack, ws, ['--force-refresh']);
      expectStalled(stack, result, 'the token request (refresh_token grant)', 'refresh');
      expect(stack.front.counts['token:password']).toBe(1);
      expect(ws.sessionFiles()).toHaveLength(1);
    }));

  it('client credentials', () =>
    fronted(async (stack, ws) => {
      stack.front.setQuirks({ stall: ['client_credentials'] });
      const result = await run(PLUGIN_BIN, [...common(stack, ws, MACHINE_CLIENT_ID), '--grant-type=client-credentials'], {
        env: { ...ws.env, KUBECTL_OIDC_CLIENT_SECRET: MACHINE_CLIENT_SECRET },
      });
      expectStalled(stack, result, 'the token request (client_credentials grant)', 'client credentials');
    }));

  it('the password grant', () =>
    fronted(async (stack, ws) => {
      stack.front.setQuirks({ stall: ['password'] });
      expectStalled(stack, await password(stack, ws), 'the token request (password grant)', 'password');
    }));

  it('token exchange', () =>
    fronted(async (stack, ws) => {
      stack.front.setQuirks({ stall: ['urn:ietf:params:oauth:grant-type:token-exchange'] });
      const result = await run(
        PLUGIN_BIN,
        [...common(stack, ws), '--grant-type=token-exchange', '--token-exchange-subject-token-type=urn:ietf:params:oauth:token-type:jwt'],
        { env: { ...ws.env, KUBECTL_OIDC_TOKEN_EXCHANGE_SUBJECT_TOKEN: `${SUBJECT_TOKEN_PREFIX}tess` } },
      );
      expectStalled(stack, result, 'the token request (token-exchange grant)', 'token exchange');
    }));

  it('revocation at logout: the session is kept with the logout that would revoke it (one line, exit 1); --skip-revoke removes it', () =>
    fronted(async (stack, ws) => {
      expect((await password(stack, ws)).code).toBe(0);
      stack.front.setQuirks({ stall: ['revocation'] });
      const logout = await run(PLUGIN_BIN, ['logout', ...passwordArgs(stack, ws).slice(1)], { env: ws.env });
      expect(logout.code).toBe(1);
      const host = escaped(new URL(stack.front.origin).host);
      expect(logout.stdout.trim()).toMatch(
        new RegExp(
          `^kept .*: could not revoke its refresh token \\(the revocation request failed: no complete answer from ${host} within ${TIMEOUT_SEC} s\\); ` +
            `once the IdP can be reached: kubectl-oidc logout --oidc-issuer-url=\\S+ --oidc-client-id=\\S+ \\(or add --skip-revoke to remove it unrevoked\\)$`,
        ),
      );
      expect(logout.stderr.trim().split('\n').at(-1)).toMatch(/^kubectl-oidc: kept 1 session whose IdP could not be reached/);
      expect(stack.front.counts.stalled).toBe(1);
      expect(ws.sessionFiles()).toHaveLength(1);
      const skipped = await run(PLUGIN_BIN, ['logout', ...passwordArgs(stack, ws).slice(1), '--skip-revoke'], { env: ws.env });
      expect(skipped.code, skipped.stderr).toBe(0);
      expect(skipped.stdout).toContain('not revoked (--skip-revoke)');
      expect(stack.front.counts.stalled).toBe(1);
      expect(ws.sessionFiles()).toEqual([]);
    }));

  it('userinfo, which setup reads: a warning in the report that names the request, and setup goes on', () =>
    fronted(async (stack, ws) => {
      stack.front.setQuirks({ stall: ['userinfo'] });
      const args = passwordArgs(stack, ws)
        .slice(1)
        .filter((a) => !a.startsWith('--token-cache-dir'));
      const result = await run(PLUGIN_BIN, ['setup', ...args, '-o', 'json'], { env: { ...ws.env, KUBECTL_OIDC_PASSWORD: TEST_PASSWORD } });
      const report = JSON.parse(result.stdout) as { checks: { check: string; level: string; message: string }[]; token?: unknown };
      expect(report.checks.find((c) => c.check === 'userinfo')).toMatchObject({
        level: 'warn',
        message: expect.stringMatching(
          stalledLine(stack, `the userinfo request (GET ${stack.idp.issuer}/me)`).source.replace('^kubectl-oidc: ', '^'),
        ),
      });
      expect(report.token).toBeDefined();
      expect(stack.front.counts.stalled).toBe(1);
    }));
});
