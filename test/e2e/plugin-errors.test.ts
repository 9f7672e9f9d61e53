import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_CLIENT_ID } from '../support/idp.js';
import { PLUGIN_BIN } from '../support/paths.js';
import { freePort, start } from '../support/process.js';
import { type RunResult, run } from '../support/run.js';
import { newWorkspace, type Stack, startStack } from './harness.js';
import { e2eEnabled } from './requirements.js';

const enabled = e2eEnabled();

/** Bad input ends with one line on stderr, nothing on stdout, a non-zero exit and no stack trace. */
const expectOneLineFailure = (result: RunResult, pattern: RegExp, exitCode = 1): void => {
  expect(result.code).toBe(exitCode);
  expect(result.stdout).toBe('');
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines.at(-1)).toMatch(pattern);
  expect(result.stderr).not.toMatch(/^\s+at /m);
};

describe.skipIf(!enabled)('bad input gets one clear line and a non-zero exit', () => {
  let stack: Stack;
  let liar: Server;
  let liarUrl: string;
  beforeAll(async () => {
    stack = await startStack({ redirectUris: ['http://127.0.0.1:8000/callback'] });
    // An issuer whose discovery document names itself with a trailing slash: the classic Keycloak/Authentik mismatch.
    liar = createServer({ key: stack.certs.keyPem, cert: stack.certs.certPem }, (_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          issuer: `${liarUrl}/`,
          authorization_endpoint: `${liarUrl}/auth`,
          token_endpoint: `${liarUrl}/token`,
          jwks_uri: `${liarUrl}/jwks`,
          response_types_supported: ['code'],
        }),
      );
    });
    await new Promise<void>((resolve) => liar.listen(0, '127.0.0.1', resolve));
    liarUrl = `https://127.0.0.1:${(liar.address() as AddressInfo).port}/realms/test`;
  });
  afterAll(async () => {
    liar?.close();
    await stack?.stop();
  });

  // Each run gets an empty cache of its own (never the developer's ~/.kube/cache).
  const plugin = (args: string[]): Promise<RunResult> => {
    const home = mkdtempSync(join(tmpdir(), 'kubectl-oidc-errors-'));
    return run(PLUGIN_BIN, ['get-token', ...args], { env: { ...process.env, HOME: home, KUBECACHEDIR: join(home, 'cache') } }).finally(() =>
      rmSync(home, { recursive: true, force: true }),
    );
  };
  const provider = (): string[] => [
    `--oidc-issuer-url=${stack.idp.issuer}`,
    `--oidc-client-id=${TEST_CLIENT_ID}`,
    `--certificate-authority=${stack.certs.caFile}`,
  ];

  it('a missing required flag or an unknown flag is a usage error (exit 2)', async () => {
    expectOneLineFailure(
      await plugin([`--oidc-client-id=${TEST_CLIENT_ID}`]),
      /required option '--oidc-issuer-url <url>' not specified/,
      2,
    );
    expectOneLineFailure(await plugin([...provider(), '--no-such-flag']), /unknown option '--no-such-flag'/, 2);
    expectOneLineFailure(await plugin([...provider(), '--oidc-pkce-method=plain']), /allowed: auto, S256, no/, 2);
    expectOneLineFailure(await plugin([...provider(), '--listen-address=0.0.0.0']), /--listen-address "0.0.0.0" is not host:port/, 2);
    expectOneLineFailure(
      await plugin([`--oidc-client-id=${TEST_CLIENT_ID}`, '--oidc-issuer-url=']),
      /^kubectl-oidc: --oidc-issuer-url is empty: give the issuer URL of the OpenID Connect provider$/,
      2,
    );
    expectOneLineFailure(
      await plugin([...provider().slice(0, 1), '--oidc-client-id=']),
      /^kubectl-oidc: --oidc-client-id is empty: give the client ID registered at the provider$/,
      2,
    );
    expectOneLineFailure(await plugin([`--oidc-client-id=${TEST_CLIENT_ID}`, '--oidc-issuer-url=http://idp.example']), /must use https/, 2);
  });

  it('a misspelled flag is named first, with the nearest real one, in either form; `version` is a command', async () => {
    // A typo of a required flag: named, not "required option … not specified".
    expectOneLineFailure(
      await plugin(['--oidc-issuer=https://idp.example', `--oidc-client-id=${TEST_CLIENT_ID}`]),
      /^kubectl-oidc: unknown option '--oidc-issuer' \(did you mean --oidc-issuer-url\?\) \(see kubectl-oidc get-token --help\)$/,
      2,
    );
    for (const typo of [['--oidc-extra-scopes=email'], ['--oidc-extra-scopes', 'email']]) {
      expectOneLineFailure(
        await plugin([...provider(), ...typo]),
        /^kubectl-oidc: unknown option '--oidc-extra-scopes' \(did you mean --oidc-extra-scope\?\)/,
        2,
      );
    }
    expectOneLineFailure(
      await plugin([...provider(), '--zzz']),
      /^kubectl-oidc: unknown option '--zzz' \(see kubectl-oidc get-token --help\)$/,
      2,
    );
    const version = await run(PLUGIN_BIN, ['version'], { env: process.env });
    const flag = await run(PLUGIN_BIN, ['--version'], { env: process.env });
    expect(version.code, version.stderr).toBe(0);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+/);
    expect(version.stdout).toBe(flag.stdout);
  });

  it('a boolean variable that is neither true nor false, or a KUBERNETES_EXEC_INFO kubectl would never send', async () => {
    const withEnv = (env: Record<string, string>): Promise<RunResult> =>
      run(PLUGIN_BIN, ['get-token', ...provider(), '--token-cache-dir=/nonexistent/cache'], { env: { ...process.env, ...env } });
    expectOneLineFailure(
      await withEnv({ KUBECTL_OIDC_INSECURE_SKIP_TLS_VERIFY: 'nope' }),
      /^kubectl-oidc: KUBECTL_OIDC_INSECURE_SKIP_TLS_VERIFY must be true or false \(or 1\/0, yes\/no, on\/off\), got "nope"$/,
      2,
    );
    expectOneLineFailure(await withEnv({ KUBERNETES_EXEC_INFO: '{apiVersion' }), /^kubectl-oidc: KUBERNETES_EXEC_INFO is not JSON — /);
    expectOneLineFailure(
      await withEnv({ KUBERNETES_EXEC_INFO: '{"apiVersion":"client.authentication.k8s.io/v9"}' }),
      /^kubectl-oidc: KUBERNETES_EXEC_INFO names apiVersion "client.authentication.k8s.io\/v9" — /,
    );
  });

  it('a stdout nobody reads any more (a closed pipe) ends quietly with status 1; -v works on every command', async () => {
    const home = mkdtempSync(join(tmpdir(), 'kubectl-oidc-errors-'));
    try {
      const status = start(PLUGIN_BIN, ['status', `--token-cache-dir=${home}`, '--v=9'], process.env);
      status.child.stdout?.destroy();
      expect(await status.exited).toBe(1);
      expect(status.stderr()).not.toMatch(/EPIPE|^\s+at /m);
      const verbose = await run(PLUGIN_BIN, ['status', `--token-cache-dir=${home}`, '--v=9']);
      expect(verbose.code, verbose.stderr).toBe(0);
      expect(verbose.stdout).toBe(`no sessions in ${home}\n`);
      expect((await run(PLUGIN_BIN, ['migrate', '-v', '--dry-run', `--kubeconfig=${join(home, 'none')}`])).stderr).not.toContain(
        'unknown option',
      );
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('an unreachable issuer names the host and the cause', async () => {
    const port = await freePort();
    expectOneLineFailure(
      await plugin([`--oidc-issuer-url=https://127.0.0.1:${port}`, `--oidc-client-id=${TEST_CLIENT_ID}`]),
      new RegExp(`cannot reach https://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`),
    );
  });

  it('an untrusted certificate is a TLS error that points at --certificate-authority', async () => {
    expectOneLineFailure(
      await plugin([`--oidc-issuer-url=${stack.idp.issuer}`, `--oidc-client-id=${TEST_CLIENT_ID}`]),
      /TLS error talking to .*--certificate-authority/,
    );
  });

  it('an issuer whose discovery document names another issuer (trailing slash) says exactly what to use', async () => {
    expectOneLineFailure(
      await plugin([`--oidc-issuer-url=${liarUrl}`, `--oidc-client-id=x`, `--certificate-authority=${stack.certs.caFile}`]),
      new RegExp(
        `names issuer "${liarUrl}/" but --oidc-issuer-url is "${liarUrl}" \\(the trailing slash matters\\) — use ` +
          `--oidc-issuer-url=${liarUrl}/`,
      ),
    );
  });

  it('an unregistered redirect URI is reported at once, before any browser opens', async () => {
    const port = await freePort();
    const result = await plugin([...provider(), `--oidc-redirect-url=http://127.0.0.1:${port}/not-registered`, '--skip-open-browser']);
    expectOneLineFailure(
      result,
      /the IdP rejected the redirect URI http:\/\/127\.0\.0\.1:\d+\/not-registered for client "kubectl" — register/,
    );
    expect(result.stderr).not.toContain('open this URL');
  });

  it('gives up after the authentication timeout', async () => {
    const ws = newWorkspace(stack);
    try {
      const result = await run(PLUGIN_BIN, [...ws.pluginArgs, '--authentication-timeout-sec=1', '--skip-open-browser']);
      expectOneLineFailure(result, /no login completed within 1 s/);
      expect(ws.sessionFiles()).toEqual([]);
    } finally {
      await ws.cleanup();
    }
  });

  it('Ctrl-C during the login exits 130 with one line and saves nothing', async () => {
    const ws = newWorkspace(stack);
    try {
      const running = start(PLUGIN_BIN, [...ws.pluginArgs, '--skip-open-browser'], process.env);
      await running.waitForStderr(/https:\/\/\S+\/auth\?/);
      running.child.kill('SIGINT');
      expect(await running.exited).toBe(130);
      expect(running.stdout()).toBe('');
      expect(running.stderr().trimEnd().split('\n').at(-1)).toBe('kubectl-oidc: cancelled by SIGINT; the session cache is as it was');
      expect(ws.sessionFiles()).toEqual([]);
    } finally {
      await ws.cleanup();
    }
  });

  it('a corrupt cache file is a cache miss: the user logs in again and the file is replaced', async () => {
    const ws = newWorkspace(stack, { driverEnv: { DRIVER_LOGIN: 'frank' } });
    try {
      expect((await ws.plugin()).code).toBe(0);
      const [file] = ws.sessionFiles();
      writeFileSync(join(ws.cacheDir, file!), '{"format":"kubectl-oidc/session/v1","idToken":'); // truncated
      const logins = stack.idp.counts.logins;
      const again = await ws.plugin(['-v']);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).toContain('is corrupt, of another format or sealed with another key; treating it as absent');
      expect(stack.idp.counts.logins).toBe(logins + 1);
      const hit = await ws.plugin();
      expect(hit.code).toBe(0);
      expect(stack.idp.counts.logins).toBe(logins + 1);
    } finally {
      await ws.cleanup();
    }
  });

  it('a fixed --oidc-redirect-url (JumpCloud/OKD style) is used byte for byte and listened on', async () => {
    const port = await freePort();
    const ws = newWorkspace(stack, { driverEnv: { DRIVER_LOGIN: 'grace' } });
    try {
      const args = ws.pluginArgs.filter((a) => !a.startsWith('--listen-address'));
      const result = await run(PLUGIN_BIN, [...args, `--oidc-redirect-url=http://127.0.0.1:${port}/callback`]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toContain(`redirect_uri=http%3A%2F%2F127.0.0.1%3A${port}%2Fcallback&`);
      expect((await ws.driverResult()).heading).toBe('You are logged in');
    } finally {
      await ws.cleanup();
    }
  });
});
