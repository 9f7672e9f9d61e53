import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startApiServer, type TestApiServer } from '../support/apiserver.js';
import { TEST_PASSWORD } from '../support/idp.js';
import { PLUGIN_BIN, PLUGIN_IS_EXECUTABLE } from '../support/paths.js';
import { start } from '../support/process.js';
import { run } from '../support/run.js';
import { newWorkspace, PASSWORD_LOGIN, parseWhoAmI, useStack } from './harness.js';
import { e2eEnabled, KUBECTL } from './requirements.js';

const enabled = e2eEnabled();

/** A kubeconfig as people write them: comments, flow style, quoting (test/fixtures). */
const HAND_WRITTEN = readFileSync(join(import.meta.dirname, '../fixtures/hand-written-kubeconfig.yaml'), 'utf8');

const KUBERC = `apiVersion: kubectl.config.k8s.io/v1beta1
kind: Preference
credentialPluginPolicy: Allowlist
credentialPluginAllowlist:
- name: gke-gcloud-auth-plugin
`;

describe.skipIf(!enabled)('kubectl-oidc login writes the kubeconfig', () => {
  const stack = useStack({ exchangeAudiences: ['cluster-b'] });
  let clusterB: TestApiServer;
  beforeAll(async () => {
    clusterB = await startApiServer(stack.certs, stack.idp.issuer, 'cluster-b');
  });
  afterAll(async () => {
    await clusterB?.stop();
  });

  const loginArgs = (pluginArgs: string[], extra: string[]): string[] => [
    'login',
    ...pluginArgs.slice(1),
    '--oidc-username-claim=email',
    `--cluster-ca=${stack.certs.caFile}`,
    ...extra,
  ];

  it('into a hand-written kubeconfig: only the new entries in the diff, kuberc allowlist updated, the first kubectl asks the IdP nothing', async () => {
    const ws = newWorkspace(stack, { driverEnv: { DRIVER_LOGIN: 'alice' } });
    try {
      const file = join(ws.dir, 'team-config');
      writeFileSync(file, HAND_WRITTEN, { mode: 0o600 });
      mkdirSync(join(ws.dir, '.kube'));
      const kuberc = join(ws.dir, '.kube', 'kuberc');
      writeFileSync(kuberc, KUBERC);
      const args = loginArgs(ws.pluginArgs, ['--context=dev', `--server=${stack.api.url}`, `--kubeconfig=${file}`, '--set-current']);

      // --dry-run: the login and its verdict, the diff, and not one byte of the kubeconfig or kuberc written; the session
      // it logged in with is kept, so the real login asks no second time.
      const dry = await run(PLUGIN_BIN, [...args, '--dry-run'], { env: ws.env });
      expect(dry.code, dry.stderr).toBe(0);
      expect(dry.stdout).toContain('✓ kube-apiserver (audience kubectl) takes it: username alice@example.test');
      // The cluster itself, asked through what would be written (kubectl auth whoami), before the diff is shown.
      expect(dry.stdout).toMatch(/✓ the cluster takes it: username alice@example\.test, groups \[/);
      expect(dry.stdout).toContain(`+++ ${file}\t(after login)`);
      expect(dry.stdout).toContain(`${file} (dry run, not written): added cluster dev`);
      expect(dry.stdout).toContain(`${kuberc}: would add`);
      expect(readFileSync(file, 'utf8')).toBe(HAND_WRITTEN);
      expect(readFileSync(kuberc, 'utf8')).toBe(KUBERC);
      expect(readdirSync(ws.dir).filter((name) => name.includes('backup'))).toEqual([]);
      expect(ws.sessionFiles()).toHaveLength(1);

      const authorizations = stack.idp.counts.authorization;
      const result = await run(PLUGIN_BIN, args, { env: ws.env });
      expect(result.code, result.stderr).toBe(0);
      expect(stack.idp.counts.authorization).toBe(authorizations);
      expect(result.stdout).toContain(`${file}: added cluster dev, added user dev, added context dev, current context dev`);
      const after = readFileSync(file, 'utf8');
      // Every line that was there is still there, in order; only the current context changed.
      const removed = HAND_WRITTEN.split('\n').filter((line) => !after.split('\n').includes(line));
      expect(removed).toEqual(['current-context: legacy']);
      expect(after).toContain('# team clusters — do not reorder');
      expect(after).toContain("    token: 'static-token'   # rotate me");
      expect(readFileSync(`${file}.kubectl-oidc-backup`, 'utf8')).toBe(HAND_WRITTEN);
      const config = parse(after);
      const user = config.users.find((u: { name: string }) => u.name === 'dev').user.exec;
      expect(user).toMatchObject({ apiVersion: 'client.authentication.k8s.io/v1', command: PLUGIN_BIN, interactiveMode: 'IfAvailable' });
      expect(user.args[0]).toBe('get-token');
      const allowlist = parse(readFileSync(kuberc, 'utf8')).credentialPluginAllowlist;
      expect(allowlist).toEqual([{ name: 'gke-gcloud-auth-plugin' }, { name: PLUGIN_BIN }]);

      // The session of the login is the one get-token uses: the first kubectl makes no request to the IdP.
      const before = stack.idp.counts.requests;
      const whoami = await ws.kubectl(['--kubeconfig', file, 'auth', 'whoami', '-o', 'json']);
      expect(whoami.code, whoami.stderr).toBe(0);
      expect(parseWhoAmI(whoami.stdout).username).toBe('alice@example.test');
      expect(stack.idp.counts.requests).toBe(before);
    } finally {
      await ws.cleanup();
    }
  });

  it('--oidc-audience: the user for cluster B, judged and saved as the exchanged token; kubectl then asks the IdP nothing', async () => {
    const ws = newWorkspace(stack, { driverEnv: { DRIVER_LOGIN: 'bob' } });
    try {
      const file = join(ws.dir, 'config');
      const args = loginArgs(ws.pluginArgs, [
        '--context=b',
        `--server=${clusterB.url}`,
        `--kubeconfig=${file}`,
        '--oidc-audience=cluster-b',
      ]);
      const exchanges = stack.idp.counts.exchanges.length;
      const result = await run(PLUGIN_BIN, args, { env: ws.env });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain('✓ kube-apiserver (audience cluster-b) takes it: username bob@example.test');
      expect(stack.idp.counts.exchanges.length).toBe(exchanges + 1);
      expect(existsSync(file)).toBe(true);
      const user = parse(readFileSync(file, 'utf8')).users[0].user.exec;
      expect(user.args).toContain('--oidc-audience=cluster-b');
      expect(ws.sessionFiles()).toHaveLength(2); // the client's own session and the exchanged one

      const before = stack.idp.counts.requests;
      const whoami = await ws.kubectl(['--kubeconfig', file, '--context', 'b', 'auth', 'whoami', '-o', 'json']);
      expect(whoami.code, whoami.stderr).toBe(0);
      expect(parseWhoAmI(whoami.stdout).username).toBe('bob@example.test');
      expect(stack.idp.counts.requests).toBe(before);
      expect(clusterB.outcomes.at(-1)).toMatchObject({ ok: true });
    } finally {
      await ws.cleanup();
    }
  });

  it('six parallel logins, and twenty kubectl set-context while the browser is open: one browser login, every context kept', async () => {
    const ws = newWorkspace(stack, { driverEnv: { DRIVER_LOGIN: 'pia' } });
    try {
      const file = join(ws.dir, 'shared-config');
      writeFileSync(file, HAND_WRITTEN, { mode: 0o600 });
      // The browser opens once the person has used kubectl twenty times (one after another: kubectl's own read comes
      // before its lock, so two kubectl writing at once can drop each other's contexts, whoever else writes).
      const browserCommand = ws.pluginArgs.find((arg) => arg.startsWith('--browser-command='))!.slice('--browser-command='.length);
      const meanwhile = join(ws.dir, 'kubectl-meanwhile.sh');
      writeFileSync(
        meanwhile,
        `#!/bin/sh\ni=0\nwhile [ $i -lt 20 ]; do\n  KUBECONFIG='${file}' '${KUBECTL}' config set-context kubectl-$i --cluster=legacy --user=legacy-admin >/dev/null 2>>'${join(ws.dir, 'kubectl.err')}' || exit 1\n  i=$((i + 1))\ndone\nexec '${browserCommand}' "$@"\n`,
        { mode: 0o755 },
      );
      const args = ws.pluginArgs.filter((arg) => !arg.startsWith('--browser-command=')).concat(`--browser-command=${meanwhile}`);
      const before = { authorization: stack.idp.counts.authorization, logins: stack.idp.counts.logins };
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          run(PLUGIN_BIN, loginArgs(args, [`--context=team-${i}`, `--server=${stack.api.url}`, `--kubeconfig=${file}`]), { env: ws.env }),
        ),
      );
      for (const result of results) expect(result.code, result.stderr).toBe(0);
      const names = (parse(readFileSync(file, 'utf8')).contexts as { name: string }[]).map((c) => c.name).sort();
      expect(names).toEqual(
        ['legacy', ...Array.from({ length: 6 }, (_, i) => `team-${i}`), ...Array.from({ length: 20 }, (_, i) => `kubectl-${i}`)].sort(),
      );
      // One session for the six: the browser opened once (and the plugin's preflight asked /auth once).
      expect({
        authorization: stack.idp.counts.authorization - before.authorization,
        logins: stack.idp.counts.logins - before.logins,
      }).toEqual({
        authorization: 2,
        logins: 1,
      });
      expect(existsSync(`${file}.lock`)).toBe(false);
      const listed = await run(KUBECTL, ['config', 'get-contexts', '-o', 'name'], { env: { ...ws.env, KUBECONFIG: file } });
      expect(listed.code, listed.stderr).toBe(0);
    } finally {
      await ws.cleanup();
    }
  });

  it("kubectl's lock held: the login waits without writing (one line), and writes once it is released", async () => {
    const ws = newWorkspace(stack, { driverEnv: { DRIVER_LOGIN: 'lou' } });
    try {
      const file = join(ws.dir, 'config');
      writeFileSync(file, HAND_WRITTEN, { mode: 0o600 });
      writeFileSync(`${file}.lock`, ''); // as kubectl holds it while it writes
      const login = start(
        PLUGIN_BIN,
        loginArgs(ws.pluginArgs, ['--context=locked', `--server=${stack.api.url}`, `--kubeconfig=${file}`]),
        ws.env,
      );
      await login.waitForStderr(/config\.lock is held \(kubectl is writing .*\); waiting for it/);
      expect(readFileSync(file, 'utf8')).toBe(HAND_WRITTEN);
      expect(readdirSync(ws.dir).filter((name) => name.includes('backup'))).toEqual([]);
      rmSync(`${file}.lock`);
      expect(await login.exited, login.stderr()).toBe(0);
      expect((parse(readFileSync(file, 'utf8')).contexts as { name: string }[]).map((c) => c.name)).toEqual(['legacy', 'locked']);
      expect(existsSync(`${file}.lock`)).toBe(false);
    } finally {
      await ws.cleanup();
    }
  });

  // The writer's text edits are the same JavaScript in the executable; its file writing is in the cases around it.
  it.skipIf(PLUGIN_IS_EXECUTABLE)(
    'anchors shared with the replaced entry, and names YAML 1.1 reads as bools and numbers: kubectl loads the file it wrote',
    async () => {
      const ws = newWorkspace(stack, { driverEnv: { DRIVER_LOGIN: 'yuki' } });
      try {
        const file = join(ws.dir, 'config');
        const ca = Buffer.from(stack.certs.caPem).toString('base64');
        writeFileSync(
          file,
          [
            'apiVersion: v1',
            'kind: Config',
            'clusters:',
            '- name: shared',
            '  cluster:',
            `    server: ${stack.api.url}`,
            `    certificate-authority-data: ${ca}`,
            'users:',
            '- name: shared',
            '  user: {token: static}',
            'contexts:',
            '- name: dev',
            '  context: &ctx',
            '    cluster: shared',
            '    user: shared',
            '- name: staging',
            '  context: *ctx',
            '',
          ].join('\n'),
          { mode: 0o600 },
        );
        const names = ['dev', 'yes', 'on', 'n', '1_000', '0b101'];
        for (const name of names) {
          const result = await run(
            PLUGIN_BIN,
            loginArgs(ws.pluginArgs, [`--context=${name}`, `--server=${stack.api.url}`, `--kubeconfig=${file}`]),
            {
              env: ws.env,
            },
          );
          expect(result.code, result.stderr).toBe(0);
        }
        const listed = await run(KUBECTL, ['config', 'get-contexts', '-o', 'name'], { env: { ...ws.env, KUBECONFIG: file } });
        expect(listed.code, listed.stderr).toBe(0);
        expect(listed.stdout.trim().split('\n').sort()).toEqual([...names, 'staging'].sort());
        const staging = await run(KUBECTL, ['config', 'view', '-o', 'jsonpath={.contexts[?(@.name=="staging")].context.cluster}'], {
          env: { ...ws.env, KUBECONFIG: file },
        });
        expect(staging.stdout).toBe('shared');
        const whoami = await run(KUBECTL, ['--context=on', 'auth', 'whoami', '-o', 'json'], { env: { ...ws.env, KUBECONFIG: file } });
        expect(whoami.code, whoami.stderr).toBe(0);
        expect(parseWhoAmI(whoami.stdout).username).toBe('yuki@example.test');
      } finally {
        await ws.cleanup();
      }
    },
  );

  it('no secret from the environment in the kubeconfig or its backups unless --write-secrets; at most two 0600 backups', async () => {
    const ws = newWorkspace(stack);
    try {
      const file = join(ws.dir, 'config');
      writeFileSync(file, HAND_WRITTEN, { mode: 0o644 });
      const env = { ...ws.env, KUBECTL_OIDC_PASSWORD: TEST_PASSWORD };
      for (let i = 0; i < 5; i++) {
        const result = await run(
          PLUGIN_BIN,
          loginArgs(ws.pluginArgs, [...PASSWORD_LOGIN, `--context=machine-${i}`, `--server=${stack.api.url}`, `--kubeconfig=${file}`]),
          { env },
        );
        expect(result.code, result.stderr).toBe(0);
        expect(result.stdout).toContain('! the kubeconfig carries no secret: kubectl needs KUBECTL_OIDC_PASSWORD in its environment');
      }
      const written = readdirSync(ws.dir).filter((name) => name.startsWith('config'));
      expect(written.sort()).toEqual(['config', 'config.kubectl-oidc-backup', 'config.kubectl-oidc-backup-previous']);
      for (const name of written) expect(readFileSync(join(ws.dir, name), 'utf8')).not.toContain(TEST_PASSWORD);
      for (const name of written.slice(1)) expect(statSync(join(ws.dir, name)).mode & 0o777).toBe(0o600);
      // Asked for, into a file others can read: refused before any login; into a 0600 file: written.
      const withSecret = loginArgs(ws.pluginArgs, [
        ...PASSWORD_LOGIN,
        '--context=m',
        `--server=${stack.api.url}`,
        `--kubeconfig=${file}`,
        '--write-secrets',
      ]);
      const refused = await run(PLUGIN_BIN, withSecret, { env });
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('can be read by others (mode 644), and --write-secrets would put a secret in it');
      chmodSync(file, 0o600);
      const accepted = await run(PLUGIN_BIN, withSecret, { env });
      expect(accepted.code, accepted.stderr).toBe(0);
      const user = parse(readFileSync(file, 'utf8')).users.find((u: { name: string }) => u.name === 'm').user.exec;
      expect(user.env).toEqual([{ name: 'KUBECTL_OIDC_PASSWORD', value: TEST_PASSWORD }]);
    } finally {
      await ws.cleanup();
    }
  });

  it('a context with no cluster to use: one line naming what to pass, before any browser opens', async () => {
    const ws = newWorkspace(stack);
    try {
      const authorizations = stack.idp.counts.authorization;
      const result = await run(PLUGIN_BIN, loginArgs(ws.pluginArgs, ['--context=nowhere', `--kubeconfig=${join(ws.dir, 'none')}`]), {
        env: ws.env,
      });
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr.trim().split('\n')).toEqual([
        `kubectl-oidc: ${join(ws.dir, 'none')} has no context nowhere to take the cluster from — pass --server <url> (and --cluster-ca <file>) to write the cluster, or --cluster <name> of one the kubeconfig has`,
      ]);
      expect(stack.idp.counts.authorization).toBe(authorizations);
      expect(existsSync(join(ws.dir, 'none'))).toBe(false);
    } finally {
      await ws.cleanup();
    }
  });

  it('asks the cluster through what it writes: an untrusted certificate, a 401, a bad URL write nothing (one line with the fix); --skip-cluster-check writes', async () => {
    const ws = newWorkspace(stack, { driverEnv: { DRIVER_LOGIN: 'alice' } });
    try {
      const file = join(ws.dir, 'config');
      const base = [...ws.pluginArgs.slice(1), '--oidc-username-claim=email', `--kubeconfig=${file}`];
      // Not a URL: a usage line before any browser opens.
      const authorizations = stack.idp.counts.authorization;
      const bad = await run(PLUGIN_BIN, ['login', ...base, '--context=c', '--server=htps://127.0.0.1:1'], { env: ws.env });
      expect(bad.code).toBe(2);
      expect(bad.stderr.trim()).toBe(
        "kubectl-oidc: --server htps://127.0.0.1:1 is not an http(s) URL — pass the API server's URL, https://<host>:<port>",
      );
      expect(stack.idp.counts.authorization).toBe(authorizations);

      // No --cluster-ca: kubectl does not trust the API server, and nothing is written (the session is kept).
      const untrusted = await run(PLUGIN_BIN, ['login', ...base, '--context=c', `--server=${stack.api.url}`], { env: ws.env });
      expect(untrusted.code).toBe(1);
      expect(untrusted.stderr.trim().split('\n').at(-1)).toMatch(
        /^kubectl-oidc: the API server's certificate is not trusted \(.*x509.*\) — pass --cluster-ca <file>: the PEM of the CA that signed the API server's certificate$/,
      );
      expect(existsSync(file)).toBe(false);
      expect(readdirSync(ws.dir).filter((name) => name.startsWith('.kubectl-oidc-check'))).toEqual([]);
      expect(ws.sessionFiles()).toHaveLength(1);

      // A cluster that takes only its own audience: 401, nothing written, and no second browser login.
      const logins = stack.idp.counts.authorization;
      const refused = await run(
        PLUGIN_BIN,
        ['login', ...base, '--context=b', `--server=${clusterB.url}`, `--cluster-ca=${stack.certs.caFile}`],
        {
          env: ws.env,
        },
      );
      expect(refused.code).toBe(1);
      expect(refused.stderr.trim().split('\n').at(-1)).toBe(
        'kubectl-oidc: the cluster refused the token (401 Unauthorized): its OIDC settings do not take this issuer, audience kubectl or claims — kubectl oidc setup with the same flags shows what the cluster needs; set that up and log in again (or --skip-cluster-check to write it now)',
      );
      expect(existsSync(file)).toBe(false);
      expect(stack.idp.counts.authorization).toBe(logins);

      // A closed port: the URL is named.
      const closed = await run(
        PLUGIN_BIN,
        ['login', ...base, '--context=c', '--server=https://127.0.0.1:9', `--cluster-ca=${stack.certs.caFile}`],
        {
          env: ws.env,
        },
      );
      expect(closed.code).toBe(1);
      expect(closed.stderr.trim().split('\n').at(-1)).toMatch(
        /^kubectl-oidc: cannot reach the API server \(.*\) — check --server: https:\/\/<host>:<port>/,
      );
      expect(existsSync(file)).toBe(false);

      // --skip-cluster-check: written as asked, and said so.
      const skipped = await run(PLUGIN_BIN, ['login', ...base, '--context=c', `--server=${stack.api.url}`, '--skip-cluster-check'], {
        env: ws.env,
      });
      expect(skipped.code, skipped.stderr).toBe(0);
      expect(skipped.stdout).toContain('! the cluster was not asked (--skip-cluster-check)');
      expect(parse(readFileSync(file, 'utf8')).contexts).toEqual([{ name: 'c', context: { cluster: 'c', user: 'c' } }]);
    } finally {
      await ws.cleanup();
    }
  });

  // The verdict on kubectl's answer is the same JavaScript in the executable (its kubectl: the cluster check above).
  it.skipIf(PLUGIN_IS_EXECUTABLE)(
    'a token the cluster would reject: the user is still written (the cluster side may come next), one line, exit 1',
    async () => {
      const ws = newWorkspace(stack, { driverEnv: { DRIVER_LOGIN: 'carol' } });
      try {
        const file = join(ws.dir, 'config');
        const args = loginArgs(ws.pluginArgs, ['--context=strict', `--server=${stack.api.url}`, `--kubeconfig=${file}`]);
        const result = await run(PLUGIN_BIN, [...args, '--oidc-username-claim=employee_id'], { env: ws.env });
        expect(result.code).toBe(1);
        expect(result.stdout).toContain('✗ kube-apiserver (audience kubectl) would reject it:');
        expect(result.stdout).toContain(`${file}: added cluster strict, added user strict, added context strict`);
        // After the login's own lines (the URL, the keychain notice), the verdict's one line ends the run.
        const lines = result.stderr.trim().split('\n');
        expect(lines.filter((line) => line.includes('would reject'))).toHaveLength(1);
        expect(lines.at(-1)).toMatch(/^kubectl-oidc: kube-apiserver would reject this token: .*"employee_id": claim not present/);
        expect(parse(readFileSync(file, 'utf8')).contexts).toEqual([{ name: 'strict', context: { cluster: 'strict', user: 'strict' } }]);
      } finally {
        await ws.cleanup();
      }
    },
  );
});
