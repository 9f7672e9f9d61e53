import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TEST_PASSWORD } from '../support/idp.js';
import { PLUGIN_BIN } from '../support/paths.js';
import { type RunResult, run } from '../support/run.js';
import { newWorkspace, PASSWORD_LOGIN, useStack } from './harness.js';
import { e2eEnabled } from './requirements.js';

// The first hour's mistakes, each answered by one line that names the fix: through the Node entry here, and through
// the compiled executable in scripts/e2e-executable.sh (the runtimes fail differently underneath).

/** Exactly one line on stderr, nothing on stdout, the exit code (2: bad usage), and no stack trace. */
const oneLine = (result: RunResult, code = 1): string => {
  expect(result.code).toBe(code);
  expect(result.stdout).toBe('');
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0]!;
};

describe.skipIf(!e2eEnabled())('errors that name the fix', () => {
  const stack = useStack();
  const workspace = () =>
    newWorkspace(stack, {
      extraArgs: [...PASSWORD_LOGIN, '--token-cache-storage=disk'],
      env: { KUBECTL_OIDC_PASSWORD: TEST_PASSWORD },
    });
  const withoutCa = (args: string[]): string[] => args.filter((arg) => !arg.startsWith('--certificate-authority'));

  it('a --certificate-authority file that is not PEM is named, with how to make one', async () => {
    const ws = workspace();
    try {
      const der = join(ws.dir, 'ca.der');
      writeFileSync(der, Buffer.from(stack.certs.caPem.replace(/-----[^-]+-----|\s/g, ''), 'base64'));
      const broken = join(ws.dir, 'broken.pem');
      writeFileSync(broken, '-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n');
      for (const file of [der, broken]) {
        const result = await run(PLUGIN_BIN, [...withoutCa(ws.pluginArgs), `--certificate-authority=${file}`], { env: ws.env });
        expect(oneLine(result, 2)).toBe(
          `kubectl-oidc: --certificate-authority ${file} is not a PEM certificate — give the IdP's CA certificate in PEM ` +
            '(-----BEGIN CERTIFICATE-----), e.g. from `openssl x509 -in FILE -outform PEM`',
        );
      }
      expect(ws.sessionFiles()).toEqual([]);
      // The same file in PEM works.
      const pem = join(ws.dir, 'ca.pem');
      writeFileSync(pem, stack.certs.caPem);
      const good = await run(PLUGIN_BIN, [...withoutCa(ws.pluginArgs), `--certificate-authority=${pem}`], { env: ws.env });
      expect(good.code, good.stderr).toBe(0);
    } finally {
      await ws.cleanup();
    }
  });

  it('a wrong client id with no browser here: only the refusal and its fix, no address to open that leads nowhere', async () => {
    const noBrowser = { DISPLAY: '', WAYLAND_DISPLAY: '', BROWSER: '', SSH_CONNECTION: '10.0.0.1 22 10.0.0.2 22', SSH_TTY: '' };
    const ws = newWorkspace(stack, { env: noBrowser });
    try {
      const args = ws.pluginArgs
        .filter((arg) => !arg.startsWith('--browser-command') && !arg.startsWith('--oidc-client-id'))
        .concat('--oidc-client-id=no-such-client');
      const line = oneLine(await run(PLUGIN_BIN, args, { env: { ...ws.env, ...noBrowser } }));
      expect(line).toMatch(/^kubectl-oidc: .*invalid_client.* — check --oidc-client-id/);
    } finally {
      await ws.cleanup();
    }
  });

  it('logout finds a session by its issuer and client, whatever its other flags; several that fit are listed', async () => {
    const ws = workspace();
    try {
      const remembered = ws.pluginArgs.filter((arg) =>
        ['--oidc-issuer-url=', '--oidc-client-id=', '--certificate-authority=', '--token-cache-dir='].some((flag) => arg.startsWith(flag)),
      );
      expect(remembered).toHaveLength(4);
      // A login hint is part of a session's key, and no one remembers it.
      const login = (hint: string) => run(PLUGIN_BIN, [...ws.pluginArgs, `--login-hint=${hint}`], { env: ws.env });
      expect((await login('pat')).code).toBe(0);
      const revocations = stack.idp.counts.revocations;
      const logout = await run(PLUGIN_BIN, ['logout', ...remembered], { env: ws.env });
      expect(logout.code, logout.stderr).toBe(0);
      expect(logout.stdout).toMatch(/^removed pat@example\.test at .*; revoked the refresh token at the IdP\n$/);
      expect(stack.idp.counts.revocations - revocations).toBe(1);
      expect(ws.sessionFiles()).toEqual([]);

      expect((await login('pat')).code).toBe(0);
      expect((await login('patricia')).code).toBe(0);
      expect(ws.sessionFiles()).toHaveLength(2);
      const two = oneLine(await run(PLUGIN_BIN, ['logout', ...remembered], { env: ws.env }), 2);
      expect(two).toMatch(
        /^kubectl-oidc: 2 sessions at \S+ for client \S+: pat@example\.test at .*; pat@example\.test at .* — pick one with --oidc-audience, --account or --username, or remove them all with logout --all$/,
      );
      expect(ws.sessionFiles()).toHaveLength(2);
    } finally {
      await ws.cleanup();
    }
  });

  it('http:// to a port that speaks TLS suggests the https:// URL', async () => {
    const ws = workspace();
    try {
      const plain = stack.idp.issuer.replace(/^https:/, 'http:');
      const args = ws.pluginArgs.map((arg) => (arg.startsWith('--oidc-issuer-url=') ? `--oidc-issuer-url=${plain}` : arg));
      const line = oneLine(await run(PLUGIN_BIN, args, { env: ws.env }));
      const host = new URL(stack.idp.issuer).host;
      expect(line).toMatch(new RegExp(`^kubectl-oidc: OpenID discovery failed: .*http://${host.replace(/\./g, '\\.')}`));
      expect(line).toMatch(
        new RegExp(
          `— the issuer URL says http://, and ${host.replace(/\./g, '\\.')} may speak only HTTPS: use https://${host.replace(/\./g, '\\.')}$`,
        ),
      );
    } finally {
      await ws.cleanup();
    }
  });
});
