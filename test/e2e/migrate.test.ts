import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { startApiServer } from '../support/apiserver.js';
import { NO_DEVICE_CLIENT_ID, TEST_CLIENT_ID, TEST_PASSWORD } from '../support/idp.js';
import { writeKubeconfig } from '../support/kubeconfig.js';
import { BROWSER_DRIVER, PLUGIN_BIN } from '../support/paths.js';
import { start } from '../support/process.js';
import { run } from '../support/run.js';
import { newWorkspace, parseWhoAmI, useStack } from './harness.js';
import { e2eEnabled, KUBECTL } from './requirements.js';

const enabled = e2eEnabled();

describe.skipIf(!enabled)('kubectl-oidc migrate', () => {
  const stack = useStack();

  it('turns a kubelogin kubeconfig into a kubectl-oidc one and imports its session: kubectl works with no new login', async () => {
    const ws = newWorkspace(stack);
    try {
      // A session as kubelogin keeps it: {"id_token", "refresh_token"} in ~/.kube/cache/oidc-login/<its hash>.
      const scratch = join(ws.dir, 'scratch');
      const login = await run(
        PLUGIN_BIN,
        [
          'get-token',
          `--oidc-issuer-url=${stack.idp.issuer}`,
          `--oidc-client-id=${TEST_CLIENT_ID}`,
          '--oidc-extra-scope=email',
          `--certificate-authority=${stack.certs.caFile}`,
          '--grant-type=password',
          '--username=mira',
          '--token-cache-storage=none',
        ],
        { env: { ...ws.env, KUBECTL_OIDC_PASSWORD: TEST_PASSWORD, KUBECTL_OIDC_TOKEN_CACHE_DIR: scratch } },
      );
      expect(login.code, login.stderr).toBe(0);
      const idToken = (JSON.parse(login.stdout) as { status: { token: string } }).status.token;
      const kubeloginCache = join(ws.dir, '.kube', 'cache', 'oidc-login');
      mkdirSync(kubeloginCache, { recursive: true });
      writeFileSync(join(kubeloginCache, '3f5c2a9b0e1d'), JSON.stringify({ id_token: idToken, refresh_token: 'kubelogin-refresh-token' }));

      const kubeconfig = join(ws.dir, 'kubelogin-kubeconfig');
      const kubeloginArgs = [
        'oidc-login',
        'get-token',
        `--oidc-issuer-url=${stack.idp.issuer}`,
        `--oidc-client-id=${TEST_CLIENT_ID}`,
        '--oidc-extra-scope=email',
        '--oidc-use-pkce',
        '--no-keyring',
        `--certificate-authority=${stack.certs.caFile}`,
        // kubelogin's klog flags and -v=N: get-token takes them, so they never stop a migration.
        '--logtostderr',
        '--vmodule=oidc=2',
        '-v=0',
      ];
      writeKubeconfig({ path: kubeconfig, server: stack.api.url, caPem: stack.certs.caPem, command: 'kubectl', args: kubeloginArgs });
      const original = readFileSync(kubeconfig, 'utf8');

      const dryRun = await run(PLUGIN_BIN, ['migrate', `--kubeconfig=${kubeconfig}`, '--dry-run'], { env: ws.env });
      expect(dryRun.code, dryRun.stderr).toBe(0);
      // A unified diff of the file (the unit tests apply one with git apply).
      expect(dryRun.stdout.startsWith(`--- ${kubeconfig}\n+++ ${kubeconfig}\t(migrated)\n@@ -`)).toBe(true);
      // writeKubeconfig writes JSON, which migrate edits in place like any YAML.
      expect(dryRun.stdout).toMatch(/^- +"command": "kubectl",$/m);
      // This machine's kubectl-oidc, by absolute path (the README's rule: what login and migrate write for this machine).
      expect(dryRun.stdout).toMatch(/^\+ +"command": "\/[^"]*\/kubectl-oidc",$/m);
      expect(dryRun.stdout).toMatch(/^- +"oidc-login",$/m);
      expect(readFileSync(kubeconfig, 'utf8'), '--dry-run changes nothing').toBe(original);

      const migrated = await run(PLUGIN_BIN, ['migrate', `--kubeconfig=${kubeconfig}`], { env: ws.env });
      expect(migrated.code, migrated.stderr).toBe(0);
      const command = /^ +command: (\S+)$/m.exec(stringify(parse(readFileSync(kubeconfig, 'utf8'))))?.[1];
      expect(command).toMatch(/^\/\S*\/kubectl-oidc$/);
      expect(migrated.stdout.trim()).toBe(
        `migrated user "oidc" in ${kubeconfig} (kubectl oidc-login get-token → ${command} get-token; ` +
          `backup ${kubeconfig}.kubelogin-backup); ` +
          `imported its kubelogin session from ${join(kubeloginCache, '3f5c2a9b0e1d')} (disk storage)`,
      );
      expect(readFileSync(`${kubeconfig}.kubelogin-backup`, 'utf8')).toBe(original);

      // Over SSH, without a display or a browser command: a login would wait for a browser; none is needed.
      const before = { logins: stack.idp.counts.logins, grants: JSON.stringify(stack.idp.counts.grants) };
      const env = {
        ...ws.env,
        PATH: `${join(PLUGIN_BIN, '..')}:${process.env.PATH}`,
        SSH_CONNECTION: '10.0.0.1 22 10.0.0.2 22',
        DISPLAY: '',
      };
      const whoami = await run(KUBECTL, ['auth', 'whoami', '-o', 'json', `--kubeconfig=${kubeconfig}`], { env });
      expect(whoami.code, whoami.stderr).toBe(0);
      expect(parseWhoAmI(whoami.stdout).username).toBe('mira@example.test');
      expect({ logins: stack.idp.counts.logins, grants: JSON.stringify(stack.idp.counts.grants) }).toEqual(before);

      // The zero-edit alternative: the kubelogin kubeconfig as it was, kubectl-oidc installed as kubectl-oidc_login.
      const pluginDir = join(ws.dir, 'bin');
      mkdirSync(pluginDir);
      symlinkSync(PLUGIN_BIN, join(pluginDir, 'kubectl-oidc_login'));
      const unchanged = await run(KUBECTL, ['auth', 'whoami', '-o', 'json', `--kubeconfig=${kubeconfig}.kubelogin-backup`], {
        env: { ...env, PATH: `${pluginDir}:${process.env.PATH}` },
      });
      expect(unchanged.code, unchanged.stderr).toBe(0);
      expect(parseWhoAmI(unchanged.stdout).username).toBe('mira@example.test');
      expect(stack.idp.counts.logins).toBe(before.logins);

      const again = await run(PLUGIN_BIN, ['migrate', `--kubeconfig=${kubeconfig}`], { env: ws.env });
      expect(again.stdout.trim()).toBe(`nothing to migrate in ${kubeconfig}`);

      const broken = join(ws.dir, 'broken');
      writeFileSync(broken, 'users: [\n');
      const bad = await run(PLUGIN_BIN, ['migrate', `--kubeconfig=${broken}`], { env: ws.env });
      expect(bad.code).toBe(2);
      expect(bad.stderr.trim()).toMatch(new RegExp(`^kubectl-oidc: ${broken} is not YAML: `));
      expect(readFileSync(broken, 'utf8')).toBe('users: [\n');
      expect(existsSync(`${broken}.kubelogin-backup`)).toBe(false);
    } finally {
      await ws.cleanup();
    }
  });

  it('a user with a flag kubectl-oidc does not take is left as it was: one line naming the user and the flag, exit 1', async () => {
    const ws = newWorkspace(stack);
    try {
      const kubeconfig = join(ws.dir, 'kubelogin-kubeconfig');
      const args = [
        'oidc-login',
        'get-token',
        `--oidc-issuer-url=${stack.idp.issuer}`,
        `--oidc-client-id=${TEST_CLIENT_ID}`,
        '--bogus-flag',
      ];
      writeKubeconfig({ path: kubeconfig, server: stack.api.url, caPem: stack.certs.caPem, command: 'kubectl', args });
      const original = readFileSync(kubeconfig, 'utf8');
      const migrated = await run(PLUGIN_BIN, ['migrate', `--kubeconfig=${kubeconfig}`], { env: ws.env });
      expect(migrated.code).toBe(1);
      expect(migrated.stdout).toBe('');
      expect(migrated.stderr).toBe(
        `kubectl-oidc: left user "oidc" in ${kubeconfig} as it was: kubectl-oidc has no --bogus-flag (remove it or replace it, then migrate again)\n`,
      );
      expect(readFileSync(kubeconfig, 'utf8')).toBe(original);
      expect(existsSync(`${kubeconfig}.kubelogin-backup`)).toBe(false);
    } finally {
      await ws.cleanup();
    }
  });

  it('a symlinked kubeconfig is edited at its target with its mode, line ends and BOM; a backup is never written through a symlink', async () => {
    const ws = newWorkspace(stack);
    try {
      const dotfiles = join(ws.dir, 'dotfiles');
      mkdirSync(dotfiles);
      const target = join(dotfiles, 'kubeconfig');
      const link = join(ws.dir, 'config');
      const text = [
        '\uFEFFapiVersion: v1',
        'kind: Config',
        'users:',
        '- name: oidc',
        '  user:',
        '    exec:',
        '      command: kubectl',
        `      args: [oidc-login, get-token, --oidc-issuer-url=${stack.idp.issuer}, --oidc-client-id=${TEST_CLIENT_ID}, --token-cache-dir=${ws.cacheDir}]`,
        '',
      ].join('\r\n');
      writeFileSync(target, text, { mode: 0o640 });
      chmodSync(target, 0o640);
      symlinkSync(target, link);
      // Someone planted a dangling symlink where the backup goes: following it would write the kubeconfig there.
      const planted = join(ws.dir, 'planted');
      symlinkSync(planted, `${link}.kubelogin-backup`);
      const migrated = await run(PLUGIN_BIN, ['migrate', `--kubeconfig=${link}`], { env: ws.env });
      expect(migrated.code, migrated.stderr).toBe(0);
      expect(lstatSync(link).isSymbolicLink()).toBe(true);
      const after = readFileSync(target, 'utf8');
      expect(after.startsWith('\uFEFFapiVersion: v1\r\n')).toBe(true);
      expect(after).toMatch(/ {6}command: \/\S*\/kubectl-oidc\r\n {6}args: \[get-token, /);
      expect(after.replace(/\r\n/g, '')).not.toContain('\n');
      expect(statSync(target).mode & 0o777).toBe(0o640);
      expect(existsSync(planted)).toBe(false);
      const [, backup] = /backup (\S+)\)/.exec(migrated.stdout) ?? [];
      // The name of the original's backup is taken (by the symlink): the text is kept beside it, 0600, never through it.
      expect(backup).toBe(`${link}.kubelogin-backup-previous`);
      expect(readFileSync(backup!, 'utf8')).toBe(text);
      expect(statSync(backup!).mode & 0o777).toBe(0o600);
      expect(lstatSync(`${link}.kubelogin-backup`).isSymbolicLink()).toBe(true);
    } finally {
      await ws.cleanup();
    }
  });

  // A migrated kubelogin user with no session, over SSH, no display, a client without the device grant.
  it('a migrated user with no session over SSH: kubectl shows the address, a browser opens it, whoami answers', async () => {
    const api = await startApiServer(stack.certs, stack.idp.issuer, NO_DEVICE_CLIENT_ID);
    const ws = newWorkspace(stack);
    try {
      const kubeconfig = join(ws.dir, 'kubelogin-kubeconfig');
      writeKubeconfig({
        path: kubeconfig,
        server: api.url,
        caPem: stack.certs.caPem,
        command: 'kubectl',
        args: [
          'oidc-login',
          'get-token',
          `--oidc-issuer-url=${stack.idp.issuer}`,
          `--oidc-client-id=${NO_DEVICE_CLIENT_ID}`,
          '--oidc-extra-scope=email',
          '--listen-address=127.0.0.1:0',
          `--certificate-authority=${stack.certs.caFile}`,
        ],
      });
      const migrated = await run(PLUGIN_BIN, ['migrate', `--kubeconfig=${kubeconfig}`], { env: ws.env });
      expect(migrated.code, migrated.stderr).toBe(0);
      expect(migrated.stdout).toContain('no kubelogin session of it in');

      const env = {
        ...ws.env,
        PATH: `${join(PLUGIN_BIN, '..')}:${process.env.PATH}`,
        SSH_CONNECTION: '10.0.0.1 22 10.0.0.2 22',
        DISPLAY: '',
        BROWSER: '',
      };
      const kubectl = start(KUBECTL, ['auth', 'whoami', '-o', 'json', `--kubeconfig=${kubeconfig}`], env);
      const [, authUrl] = await kubectl.waitForStderr(/which leads to\n\n {4}(https:\/\/\S+\/auth\?\S+)/);
      const driver = await run(process.execPath, [BROWSER_DRIVER, authUrl!], { env: { ...process.env, DRIVER_LOGIN: 'otto' } });
      expect(driver.code, driver.stdout + driver.stderr).toBe(0);
      expect(await kubectl.exited, kubectl.stderr()).toBe(0);
      expect(parseWhoAmI(kubectl.stdout()).username).toBe('otto@example.test');
    } finally {
      await ws.cleanup();
      await api.stop();
    }
  });
});
