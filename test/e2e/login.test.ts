import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startApiServer, type TestApiServer } from '../support/apiserver.js';
import { PLUGIN_BIN } from '../support/paths.js';
import { run } from '../support/run.js';
import { newWorkspace, parseWhoAmI, useStack } from './harness.js';
import { e2eEnabled } from './requirements.js';

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

      // --dry-run: the login and its verdict, the diff, and not one byte written.
      const dry = await run(PLUGIN_BIN, [...args, '--dry-run'], { env: ws.env });
      expect(dry.code, dry.stderr).toBe(0);
      expect(dry.stdout).toContain('✓ kube-apiserver (audience kubectl) takes it: username alice@example.test');
      expect(dry.stdout).toContain(`+++ ${file}\t(after login)`);
      expect(dry.stdout).toContain(`${file} (dry run, not written): added cluster dev`);
      expect(dry.stdout).toContain(`${kuberc}: would add`);
      expect(readFileSync(file, 'utf8')).toBe(HAND_WRITTEN);
      expect(readFileSync(kuberc, 'utf8')).toBe(KUBERC);
      expect(readdirSync(ws.dir).filter((name) => name.includes('backup'))).toEqual([]);
      expect(ws.sessionFiles()).toEqual([]);

      const result = await run(PLUGIN_BIN, args, { env: ws.env });
      expect(result.code, result.stderr).toBe(0);
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

  it('a token the cluster would reject: the user is still written (the cluster side may come next), one line, exit 1', async () => {
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
  });
});
