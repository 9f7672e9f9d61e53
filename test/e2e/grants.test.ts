import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { importJWK, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { shellQuote } from '../../src/shell-quote.js';
import { startApiServer, type TestApiServer } from '../support/apiserver.js';
import { makeCertificates, type TestCertificates } from '../support/certs.js';
import {
  ASSERTION_CLIENT_ID,
  MACHINE_AUDIENCE,
  MACHINE_CLIENT_ID,
  MACHINE_CLIENT_SECRET,
  NO_DEVICE_CLIENT_ID,
  SUBJECT_TOKEN_PREFIX,
  startIdp,
  TEST_CLIENT_ID,
  TEST_PASSWORD,
  type TestIdp,
} from '../support/idp.js';
import { writeKubeconfig } from '../support/kubeconfig.js';
import { BROWSER_DRIVER, PLUGIN_BIN, PLUGIN_IS_EXECUTABLE, writeTestLauncher } from '../support/paths.js';
import { freePort, start } from '../support/process.js';
import { type RunResult, run } from '../support/run.js';
import { startTerminal, type Terminal } from '../support/terminal.js';
import { issuerArgs, newWorkspace, parseWhoAmI, pluginAsKubectl, type Stack, type Workspace } from './harness.js';
import { e2eEnabled, KUBECTL, tmuxAvailable } from './requirements.js';

const enabled = e2eEnabled();
const tmux = tmuxAvailable(enabled);

const claimsOf = (result: RunResult): Record<string, unknown> => {
  const token = (JSON.parse(result.stdout) as { status: { token: string } }).status.token;
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
};

const lastLine = (result: RunResult): string => result.stderr.trimEnd().split('\n').at(-1)!;

describe.skipIf(!enabled)('logins without a local browser, and for machines', () => {
  let stack: Stack;
  let machineApi: TestApiServer;
  let assertionKey: { privateJwk: JWK; publicJwk: JWK };
  beforeAll(async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    assertionKey = {
      privateJwk: { ...privateKey.export({ format: 'jwk' }), alg: 'RS256', kid: 'sa-key' } as JWK,
      publicJwk: { ...publicKey.export({ format: 'jwk' }), alg: 'RS256', kid: 'sa-key', use: 'sig' } as JWK,
    };
    const certs: TestCertificates = makeCertificates();
    const idp: TestIdp = await startIdp({ certs, assertionKey: assertionKey.publicJwk as Record<string, unknown> });
    const api = await startApiServer(certs, idp.issuer, TEST_CLIENT_ID);
    machineApi = await startApiServer(certs, idp.issuer, MACHINE_AUDIENCE, { usernameClaim: 'sub' });
    stack = { certs, idp, api, stop: async () => Promise.all([api.stop(), idp.stop(), machineApi.stop()]).then(() => undefined) };
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const machineArgs = (ws: Workspace, clientId: string, extra: string[] = []): string[] => [
    'get-token',
    `--oidc-issuer-url=${stack.idp.issuer}`,
    `--oidc-client-id=${clientId}`,
    '--grant-type=client-credentials',
    `--certificate-authority=${stack.certs.caFile}`,
    `--token-cache-dir=${ws.cacheDir}`,
    ...extra,
  ];

  it('device code with PKCE through real kubectl: the browser completes the verification page; slow_down is honoured', async () => {
    stack.idp.setQuirks({ slowDownOnce: true });
    const ws = newWorkspace(stack, { extraArgs: ['--grant-type=device-code'], driverEnv: { DRIVER_LOGIN: 'dora' } });
    try {
      const before = { ...stack.idp.counts, grants: { ...stack.idp.counts.grants } };
      const result = await ws.kubectl();
      expect(result.code, result.stderr).toBe(0);
      expect(parseWhoAmI(result.stdout).username).toBe('dora@example.test');
      expect(result.stderr).toMatch(/to log in, open https:\/\/\S+\/device on any device and enter the code\s+[A-Z]{4}-[A-Z]{4}\n/);
      expect(stack.idp.counts.deviceAuthorizationsWithPkce).toBe(before.deviceAuthorizationsWithPkce + 1);
      expect(stack.idp.counts.grants.slow_down).toBe((before.grants.slow_down ?? 0) + 1);
      expect((await ws.driverResult()).title).toBe('Sign-in Success');
      const again = await ws.kubectl();
      expect(again.code).toBe(0);
      expect(stack.idp.counts.deviceAuthorizations).toBe(before.deviceAuthorizations + 1); // cached
    } finally {
      stack.idp.setQuirks({});
      await ws.cleanup();
    }
  });

  // Which line each refusal gets is the same JavaScript in the executable (its device flow: the case above).
  it.skipIf(PLUGIN_IS_EXECUTABLE)(
    'device code: a denied login, a missing PKCE verifier and an expired code each end with one line',
    async () => {
      const denied = newWorkspace(stack, { extraArgs: ['--grant-type=device-code'], driverEnv: { DRIVER_ACTION: 'deny' } });
      try {
        const result = await denied.plugin();
        expect(result.code).toBe(1);
        expect(result.stdout).toBe('');
        expect(lastLine(result)).toBe('kubectl-oidc: the login was denied at the IdP (access_denied)');
      } finally {
        await denied.cleanup();
      }
      // The IdP requires PKCE on the device flow (as Keycloak can): without it the very first poll is refused.
      const noPkce = newWorkspace(stack, { extraArgs: ['--grant-type=device-code', '--skip-open-browser', '--oidc-pkce-method=no'] });
      try {
        const result = await noPkce.plugin();
        expect(result.code).toBe(1);
        expect(lastLine(result)).toBe(
          'kubectl-oidc: the token request (device_code grant) failed: HTTP 400 invalid_grant: PKCE is required',
        );
      } finally {
        await noPkce.cleanup();
      }
      stack.idp.setQuirks({ deviceCodeTtl: 1 });
      const expired = newWorkspace(stack, { extraArgs: ['--grant-type=device-code', '--skip-open-browser'] });
      try {
        const result = await expired.plugin();
        expect(result.code).toBe(1);
        expect(lastLine(result)).toMatch(/^kubectl-oidc: the device code expired before the login was completed — run the command again/);
      } finally {
        stack.idp.setQuirks({});
        await expired.cleanup();
      }
    },
  );

  it('token exchange (RFC 8693) with the subject token from the environment, through real kubectl, cached like any session', async () => {
    const ws = newWorkspace(stack);
    try {
      const actorFile = join(ws.dir, 'actor-token');
      writeFileSync(actorFile, 'an-actor-token\n');
      const kubeconfig = join(ws.dir, 'exchange-kubeconfig');
      const subject = `${SUBJECT_TOKEN_PREFIX}xena`;
      writeKubeconfig({
        path: kubeconfig,
        server: stack.api.url,
        caPem: stack.certs.caPem,
        command: PLUGIN_BIN,
        args: [
          'get-token',
          `--oidc-issuer-url=${stack.idp.issuer}`,
          `--oidc-client-id=${TEST_CLIENT_ID}`,
          '--grant-type=token-exchange',
          '--oidc-extra-scope=email',
          '--token-exchange-subject-token-type=urn:ietf:params:oauth:token-type:jwt',
          '--token-exchange-audience=kubernetes',
          '--token-exchange-audience=other',
          '--token-exchange-resource=https://kubernetes.test',
          `--token-exchange-actor-token-file=${actorFile}`,
          '--token-exchange-actor-token-type=urn:ietf:params:oauth:token-type:access_token',
          `--certificate-authority=${stack.certs.caFile}`,
          `--token-cache-dir=${ws.cacheDir}`,
        ],
        env: { KUBECTL_OIDC_TOKEN_EXCHANGE_SUBJECT_TOKEN: subject },
      });
      const exchanges = stack.idp.counts.exchanges.length;
      const first = await run(KUBECTL, ['auth', 'whoami', '-o', 'json', `--kubeconfig=${kubeconfig}`], { env: ws.env });
      expect(first.code, first.stderr).toBe(0);
      expect(parseWhoAmI(first.stdout).username).toBe('xena@example.test');
      expect(stack.idp.counts.exchanges.slice(exchanges)).toEqual([
        {
          subject_token_type: ['urn:ietf:params:oauth:token-type:jwt'],
          actor_token: ['an-actor-token'],
          actor_token_type: ['urn:ietf:params:oauth:token-type:access_token'],
          audience: ['kubernetes', 'other'],
          resource: ['https://kubernetes.test'],
          scope: ['openid email'],
        },
      ]);
      const second = await run(KUBECTL, ['auth', 'whoami', '-o', 'json', `--kubeconfig=${kubeconfig}`], { env: ws.env });
      expect(second.code, second.stderr).toBe(0);
      expect(stack.idp.counts.exchanges.length).toBe(exchanges + 1); // served from the cache

      const args = [
        'get-token',
        `--oidc-issuer-url=${stack.idp.issuer}`,
        `--oidc-client-id=${TEST_CLIENT_ID}`,
        '--grant-type=token-exchange',
        `--certificate-authority=${stack.certs.caFile}`,
        `--token-cache-dir=${ws.cacheDir}`,
      ];
      const untrusted = await run(PLUGIN_BIN, args, { env: { ...ws.env, KUBECTL_OIDC_TOKEN_EXCHANGE_SUBJECT_TOKEN: 'not-trusted' } });
      expect(untrusted.code).toBe(1);
      expect(lastLine(untrusted)).toBe(
        'kubectl-oidc: the token request (token-exchange grant) failed: HTTP 400 invalid_grant: the subject token is not one this IdP trusts',
      );
      const none = await run(PLUGIN_BIN, args, { env: ws.env });
      expect(none.code).toBe(2);
      expect(lastLine(none)).toMatch(/^kubectl-oidc: --grant-type=token-exchange needs the token to exchange — /);
    } finally {
      await ws.cleanup();
    }
  });

  it('token exchange: two subjects never share a session — by variable or by file, through the sh launcher and the entry', async () => {
    const ws = newWorkspace(stack);
    try {
      const args = [...issuerArgs(stack, ws), '--grant-type=token-exchange', '--oidc-extra-scope=email'];
      // npm's sh launcher in front of Node's entry (the executable's run has the executable alone).
      const readers = PLUGIN_IS_EXECUTABLE ? [PLUGIN_BIN] : [PLUGIN_BIN, await writeTestLauncher(ws.dir, process.execPath)];
      const emailOf = (stdout: string): unknown =>
        JSON.parse(Buffer.from((JSON.parse(stdout) as { status: { token: string } }).status.token.split('.')[1]!, 'base64url').toString())
          .email;
      const subjectFile = join(ws.dir, 'subject-token');
      const ask = async (reader: string, subject: { env?: string; file?: string }): Promise<unknown> => {
        if (subject.file) writeFileSync(subjectFile, `${SUBJECT_TOKEN_PREFIX}${subject.file}\n`);
        const result = await run(reader, [...args, ...(subject.file ? [`--token-exchange-subject-token-file=${subjectFile}`] : [])], {
          env: {
            ...ws.env,
            ...(subject.env ? { KUBECTL_OIDC_TOKEN_EXCHANGE_SUBJECT_TOKEN: `${SUBJECT_TOKEN_PREFIX}${subject.env}` } : {}),
          },
        });
        expect(result.code, result.stderr).toBe(0);
        return emailOf(result.stdout);
      };
      for (const reader of readers) {
        // Twice each: the second run of a subject is served from its own session (and no hit may serve another's).
        expect(await ask(reader, { env: 'alice' })).toBe('alice@example.test');
        expect(await ask(reader, { env: 'alice' })).toBe('alice@example.test');
        expect(await ask(reader, { env: 'mallory' })).toBe('mallory@example.test');
        expect(await ask(reader, { env: 'alice' })).toBe('alice@example.test');
        expect(await ask(reader, { file: 'carol' })).toBe('carol@example.test');
        expect(await ask(reader, { file: 'dave' })).toBe('dave@example.test');
      }
      // Four subjects, four sessions; the second reader found each in the cache the first one left.
      expect(ws.sessionFiles()).toHaveLength(4);
      expect(stack.idp.counts.exchanges.length).toBeGreaterThanOrEqual(4);
    } finally {
      await ws.cleanup();
    }
  });

  it('no child gets a secret: the browser command and the system opener ($BROWSER through xdg-open) run without them', async () => {
    const ws = newWorkspace(stack, { driverEnv: { DRIVER_LOGIN: 'cher' } });
    try {
      const browserCommand = ws.pluginArgs.find((arg) => arg.startsWith('--browser-command='))!.slice('--browser-command='.length);
      const dump = join(ws.dir, 'child-env');
      const recorder = join(ws.dir, 'record-env.sh');
      writeFileSync(recorder, `#!/bin/sh\nenv > '${dump}'\nexec '${browserCommand}' "$@"\n`, { mode: 0o755 });
      const secrets = {
        KUBECTL_OIDC_PASSWORD: 'password-0123456789',
        KUBECTL_OIDC_TOKEN_EXCHANGE_SUBJECT_TOKEN: 'subject-token-0123456789',
        KUBECTL_OIDC_TOKEN_EXCHANGE_ACTOR_TOKEN: 'actor-token-0123456789',
      };
      const withoutBrowser = ws.pluginArgs.filter((arg) => !arg.startsWith('--browser-command='));
      for (const [how, args, env] of [
        ['--browser-command', [...withoutBrowser, `--browser-command=${recorder}`], {}],
        ['the system opener', [...withoutBrowser, '--account=opener'], { BROWSER: recorder }],
      ] as const) {
        rmSync(dump, { force: true });
        const result = await run('sh', pluginAsKubectl([...args]), { env: { ...ws.env, ...secrets, ...env } });
        expect(result.code, `${how}: ${result.stderr}`).toBe(0);
        const childEnv = readFileSync(dump, 'utf8');
        expect(childEnv, how).toContain(`HOME=${ws.dir}`); // the rest of the environment is there
        for (const [name, value] of Object.entries(secrets)) {
          expect(childEnv, `${how}: ${name}`).not.toContain(name);
          expect(childEnv, `${how}: ${name}`).not.toContain(value);
        }
      }
    } finally {
      await ws.cleanup();
    }
  });

  it('client credentials with the secret from the environment, through real kubectl, cached like any session', async () => {
    const ws = newWorkspace(stack);
    try {
      const kubeconfig = join(ws.dir, 'machine-kubeconfig');
      writeKubeconfig({
        path: kubeconfig,
        server: machineApi.url,
        caPem: stack.certs.caPem,
        command: PLUGIN_BIN,
        args: machineArgs(ws, MACHINE_CLIENT_ID),
        env: { KUBECTL_OIDC_CLIENT_SECRET: MACHINE_CLIENT_SECRET },
      });
      expect(readFileSync(kubeconfig, 'utf8')).not.toContain(`--oidc-client-secret=`);
      const first = await run(KUBECTL, ['auth', 'whoami', '-o', 'json', `--kubeconfig=${kubeconfig}`], { env: ws.env });
      expect(first.code, first.stderr).toBe(0);
      expect(parseWhoAmI(first.stdout).username).toBe(`${stack.idp.issuer}#${MACHINE_CLIENT_ID}`);
      const grants = stack.idp.counts.grants.client_credentials;
      const second = await run(KUBECTL, ['auth', 'whoami', '-o', 'json', `--kubeconfig=${kubeconfig}`], { env: ws.env });
      expect(second.code, second.stderr).toBe(0);
      expect(stack.idp.counts.grants.client_credentials).toBe(grants);

      const wrong = await run(PLUGIN_BIN, machineArgs(ws, MACHINE_CLIENT_ID, ['--force-refresh']), {
        env: { ...ws.env, KUBECTL_OIDC_CLIENT_SECRET: 'wrong' },
      });
      expect(wrong.code).toBe(1);
      expect(lastLine(wrong)).toMatch(/^kubectl-oidc: the token request \(client_credentials grant\) failed: HTTP 401 invalid_client/);
    } finally {
      await ws.cleanup();
    }
  });

  it('a JWT client assertion read from a file is accepted; a tampered one is rejected with one line', async () => {
    const ws = newWorkspace(stack);
    try {
      const key = await importJWK(assertionKey.privateJwk, 'RS256');
      const assertion = await new SignJWT({})
        .setProtectedHeader({ alg: 'RS256', kid: 'sa-key' })
        .setIssuer(ASSERTION_CLIENT_ID)
        .setSubject(ASSERTION_CLIENT_ID)
        .setAudience(stack.idp.issuer)
        .setJti(randomUUID())
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(key);
      const file = join(ws.dir, 'sa-token');
      writeFileSync(file, `${assertion}\n`);
      const ok = await run(PLUGIN_BIN, machineArgs(ws, ASSERTION_CLIENT_ID, [`--oidc-client-assertion-file=${file}`]), { env: ws.env });
      expect(ok.code, ok.stderr).toBe(0);
      expect(claimsOf(ok)).toMatchObject({ sub: ASSERTION_CLIENT_ID, aud: MACHINE_AUDIENCE });

      const [header, payload, signature] = assertion.split('.');
      const forged = Buffer.from(
        JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), jti: randomUUID() }),
      ).toString('base64url');
      writeFileSync(file, `${header}.${forged}.${signature}`);
      const tampered = await run(
        PLUGIN_BIN,
        machineArgs(ws, ASSERTION_CLIENT_ID, [`--oidc-client-assertion-file=${file}`, '--force-refresh']),
        { env: ws.env },
      );
      expect(tampered.code).toBe(1);
      expect(tampered.stdout).toBe('');
      expect(lastLine(tampered)).toMatch(/^kubectl-oidc: the token request \(client_credentials grant\) failed: HTTP 401 invalid_client/);
      expect(tampered.stderr).not.toContain(signature!);
    } finally {
      await ws.cleanup();
    }
  });

  it("Authentik-style client credentials with a service account's app password from a file", async () => {
    const ws = newWorkspace(stack);
    try {
      const file = join(ws.dir, 'app-password');
      writeFileSync(file, `${TEST_PASSWORD}\n`, { mode: 0o600 });
      const env = { ...ws.env, KUBECTL_OIDC_CLIENT_SECRET: MACHINE_CLIENT_SECRET };
      const ok = await run(PLUGIN_BIN, machineArgs(ws, MACHINE_CLIENT_ID, ['--username=ci-bot', `--password-file=${file}`]), { env });
      expect(ok.code, ok.stderr).toBe(0);
      writeFileSync(file, 'not the app password\n');
      const bad = await run(
        PLUGIN_BIN,
        machineArgs(ws, MACHINE_CLIENT_ID, ['--username=ci-bot', `--password-file=${file}`, '--force-refresh']),
        { env },
      );
      expect(bad.code).toBe(1);
      expect(lastLine(bad)).toBe(
        'kubectl-oidc: the token request (client_credentials grant) failed: HTTP 400 invalid_grant: invalid app password',
      );
      expect(bad.stderr).not.toContain('not the app password');
    } finally {
      await ws.cleanup();
    }
  });

  it('password grant: from the environment or --password-command; a wrong one is one line', async () => {
    const ws = newWorkspace(stack);
    try {
      const args = [
        'get-token',
        `--oidc-issuer-url=${stack.idp.issuer}`,
        `--oidc-client-id=${TEST_CLIENT_ID}`,
        '--grant-type=password',
        '--username=walt',
        `--certificate-authority=${stack.certs.caFile}`,
        `--token-cache-dir=${ws.cacheDir}`,
        '--oidc-extra-scope=email',
      ];
      const fromEnv = await run(PLUGIN_BIN, args, { env: { ...ws.env, KUBECTL_OIDC_PASSWORD: TEST_PASSWORD } });
      expect(fromEnv.code, fromEnv.stderr).toBe(0);
      expect(claimsOf(fromEnv)).toMatchObject({ sub: 'walt', email: 'walt@example.test' });
      const fromCommand = await run(PLUGIN_BIN, [...args, '--force-refresh', `--password-command=printf '%s' '${TEST_PASSWORD}'`], {
        env: ws.env,
      });
      expect(fromCommand.code, fromCommand.stderr).toBe(0);
      const wrong = await run(PLUGIN_BIN, [...args, '--force-refresh'], { env: { ...ws.env, KUBECTL_OIDC_PASSWORD: 'nope' } });
      expect(wrong.code).toBe(1);
      expect(lastLine(wrong)).toBe(
        'kubectl-oidc: the token request (password grant) failed: HTTP 400 invalid_grant: wrong username or password',
      );
      const none = await run(PLUGIN_BIN, [...args, '--force-refresh'], { env: ws.env });
      expect(none.code).toBe(2);
      expect(lastLine(none)).toMatch(/^kubectl-oidc: no password: set KUBECTL_OIDC_PASSWORD, --password-file or --password-command/);
    } finally {
      await ws.cleanup();
    }
  });

  it("auto, as kubelogin's: with no browser, the loopback login and the device flow side by side; the first done wins", async () => {
    const noBrowser = { DISPLAY: '', WAYLAND_DISPLAY: '', BROWSER: '', SSH_CONNECTION: '10.0.0.1 22 10.0.0.2 22', SSH_TTY: '' };
    // Over SSH with a client the IdP offers the device flow: the code is completed on another device.
    const viaDevice = newWorkspace(stack, { env: noBrowser });
    try {
      const args = viaDevice.pluginArgs.filter((a) => !a.startsWith('--browser-command'));
      const plugin = start(PLUGIN_BIN, args, { ...viaDevice.env, ...noBrowser });
      await plugin.waitForStderr(/no browser can open here \(this is an SSH session\): .*, or use the device code/);
      await plugin.waitForStderr(/open this URL in your browser to log in:\n\n {4}http:\/\/localhost:\d+\//);
      const [, complete] = await plugin.waitForStderr(/or open (https:\/\/\S+)/);
      const driver = await run(process.execPath, [BROWSER_DRIVER, complete!], { env: { ...process.env, DRIVER_LOGIN: 'ezra' } });
      expect(driver.code, driver.stdout + driver.stderr).toBe(0);
      expect(await plugin.exited, plugin.stderr()).toBe(0);
      expect(claimsOf({ code: 0, stdout: plugin.stdout(), stderr: '', ms: 0 }).sub).toBe('ezra');
    } finally {
      await viaDevice.cleanup();
    }
    // A client without the device grant: the refusal is a -v line, and the printed address completes the login.
    const viaLoopback = newWorkspace(stack, { env: noBrowser });
    try {
      const args = viaLoopback.pluginArgs
        .filter((a) => !a.startsWith('--browser-command') && !a.startsWith('--oidc-client-id'))
        .concat(`--oidc-client-id=${NO_DEVICE_CLIENT_ID}`, '-v');
      const plugin = start(PLUGIN_BIN, args, { ...viaLoopback.env, ...noBrowser });
      const [, authUrl] = await plugin.waitForStderr(/which leads to\n\n {4}(https:\/\/\S+\/auth\?\S+)/);
      await plugin.waitForStderr(
        /\[debug\] the device flow did not start \(the device authorization request failed: .*\); waiting for the browser login/,
      );
      const driver = await run(process.execPath, [BROWSER_DRIVER, authUrl!], { env: { ...process.env, DRIVER_LOGIN: 'nina' } });
      expect(driver.code, driver.stdout + driver.stderr).toBe(0);
      expect(await plugin.exited, plugin.stderr()).toBe(0);
      expect(claimsOf({ code: 0, stdout: plugin.stdout(), stderr: '', ms: 0 }).sub).toBe('nina');
      expect(plugin.stderr()).not.toMatch(/^kubectl-oidc: (?!\[debug\]).*device authorization request failed/m);
    } finally {
      await viaLoopback.cleanup();
    }
    // With a display: the browser login alone, no line about it.
    const desktop = newWorkspace(stack, { env: { DISPLAY: ':0' }, driverEnv: { DRIVER_LOGIN: 'fay' } });
    try {
      const result = await desktop.plugin([], { DISPLAY: ':0', SSH_CONNECTION: '', SSH_TTY: '' });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).not.toContain('no browser can open here');
      expect(result.stderr).toContain('/auth?');
      expect(claimsOf(result).sub).toBe('fay');
    } finally {
      await desktop.cleanup();
    }
  });

  it('auto with the callback port busy: the device flow alone, said first, or one line naming the port', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const busyPort = (busy.address() as AddressInfo).port;
    const noBrowser = { DISPLAY: '', WAYLAND_DISPLAY: '', BROWSER: '', SSH_CONNECTION: '10.0.0.1 22 10.0.0.2 22', SSH_TTY: '' };
    const onBusyPort = (ws: Workspace, extra: string[] = []): string[] =>
      ws.pluginArgs
        .filter((a) => !a.startsWith('--browser-command') && !a.startsWith('--listen-address'))
        .concat(`--listen-address=127.0.0.1:${busyPort}`, ...extra);
    const ws = newWorkspace(stack, { env: noBrowser });
    try {
      // The device grant offered: the busy port is the first line, then the code, and no loopback address or countdown.
      const plugin = start(PLUGIN_BIN, onBusyPort(ws), { ...ws.env, ...noBrowser });
      const [, complete] = await plugin.waitForStderr(/or open (https:\/\/\S+)/);
      const busyLine = `kubectl-oidc: cannot listen for the login callback: 127.0.0.1:${busyPort} (in use): logging in with a device code instead\n`;
      expect(plugin.stderr()).toContain(busyLine);
      expect(plugin.stderr().indexOf(busyLine)).toBeLessThan(plugin.stderr().indexOf('to log in, open'));
      const driver = await run(process.execPath, [BROWSER_DRIVER, complete!], { env: { ...process.env, DRIVER_LOGIN: 'ezra' } });
      expect(driver.code, driver.stdout + driver.stderr).toBe(0);
      expect(await plugin.exited, plugin.stderr()).toBe(0);
      expect(claimsOf({ code: 0, stdout: plugin.stdout(), stderr: '', ms: 0 }).sub).toBe('ezra');
      expect(plugin.stderr()).not.toMatch(/no browser can open here|open this URL in your browser|localhost:/);

      // A client the device grant is refused to, over SSH or on a desktop: one line naming the port and the refusal, exit
      // 1, before any login is shown.
      for (const env of [noBrowser, { DISPLAY: ':0', SSH_CONNECTION: '', SSH_TTY: '' }]) {
        const result = await run(PLUGIN_BIN, onBusyPort(ws, [`--oidc-client-id=${NO_DEVICE_CLIENT_ID}`]), {
          env: { ...ws.env, ...env },
        });
        expect(result.code).toBe(1);
        expect(
          result.stderr
            .trimEnd()
            .split('\n')
            .filter((line) => !line.includes('OS keychain')),
        ).toEqual([
          expect.stringMatching(
            new RegExp(
              `^kubectl-oidc: cannot listen for the login callback: 127\\.0\\.0\\.1:${busyPort} \\(in use\\), and the device flow did not start: the device authorization request failed: HTTP 400 .* — free one of these ports`,
            ),
          ),
        ]);
      }
    } finally {
      busy.close();
      await ws.cleanup();
    }
  });

  it.skipIf(!tmux)(
    'authcode-keyboard in a real terminal (tmux): the pasted address completes the login; without a terminal, one line says what to set',
    async () => {
      const ws = newWorkspace(stack, { driverEnv: { DRIVER_LOGIN: 'gus', DRIVER_CAPTURE_URL: '1' } });
      let terminal: Terminal | undefined;
      try {
        const port = await freePort(); // nothing listens there: the browser ends on an error page with the code in its address
        const out = join(ws.dir, 'credential.json');
        const args = [
          ...ws.pluginArgs.filter((a) => !a.startsWith('--browser-command')),
          '--grant-type=authcode-keyboard',
          `--oidc-redirect-url-authcode-keyboard=http://localhost:${port}`,
          '--skip-open-browser',
        ];
        const info = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', spec: { interactive: true } });
        const environment = `KUBERNETES_EXEC_INFO='${info}' HOME='${ws.dir}' DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent`;
        const command = `'${PLUGIN_BIN}' ${args.map((a) => `'${a}'`).join(' ')}`;
        terminal = startTerminal(`sh -c ${shellQuote(`${environment} ${command} > '${out}'; echo "exit=$?" >> '${out}.rc'`)}`, 400, 50);
        const url = await terminal.shows(/https:\/\/\S+\/auth\?\S+/);
        await terminal.shows(/code or URL: $/m);
        const driver = await run(process.execPath, [BROWSER_DRIVER, url], {
          env: { ...process.env, DRIVER_LOGIN: 'gus', DRIVER_CAPTURE_URL: '1', DRIVER_RESULT: join(ws.dir, 'driver.json') },
        });
        expect(driver.code, driver.stdout + driver.stderr).toBe(0);
        const finalUrl = (JSON.parse(readFileSync(join(ws.dir, 'driver.json'), 'utf8')) as { finalUrl: string }).finalUrl;
        expect(finalUrl).toContain('code=');
        terminal.type(finalUrl);
        terminal.keys('Enter');
        await waitForFile(`${out}.rc`);
        expect(readFileSync(`${out}.rc`, 'utf8').trim(), terminal.screen()).toBe('exit=0');
        expect(claimsOf({ code: 0, stdout: readFileSync(out, 'utf8'), stderr: '', ms: 0 }).sub).toBe('gus');
      } finally {
        terminal?.close();
        await ws.cleanup();
      }
      const ws2 = newWorkspace(stack);
      try {
        const result = await ws2.plugin(['--grant-type=authcode-keyboard'], {
          KUBERNETES_EXEC_INFO: JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', spec: { interactive: false } }),
        });
        expect(result.code).toBe(2);
        expect(lastLine(result)).toMatch(
          /needs your terminal, but kubectl did not pass it to the plugin — set interactiveMode: IfAvailable/,
        );
      } finally {
        await ws2.cleanup();
      }
    },
  );
});

const waitForFile = (path: string): Promise<void> =>
  vi.waitFor(
    () => {
      readFileSync(path);
    },
    { timeout: 30_000, interval: 50 },
  );
