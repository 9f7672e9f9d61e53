import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { Snippets } from '../../src/commands/setup/snippets.js';
import { MACHINE_AUDIENCE, MACHINE_CLIENT_ID, MACHINE_CLIENT_SECRET, TEST_CLIENT_ID, TEST_PASSWORD } from '../support/idp.js';
import { PLUGIN_BIN, REPO_ROOT } from '../support/paths.js';
import { freePort } from '../support/process.js';
import { type RunResult, run } from '../support/run.js';
import { newWorkspace, parseWhoAmI, useStack, type Workspace } from './harness.js';
import { e2eEnabled, KUBECTL } from './requirements.js';

const enabled = e2eEnabled();

interface SetupReport {
  checks: { level: string; check: string; message: string; fix?: string }[];
  token?: { kind: string; header: Record<string, unknown>; claims: Record<string, unknown> };
  verdict?: { ok: boolean; username?: string; groups?: string[]; reason?: string };
  configuration?: Snippets;
  error?: string;
}

describe.skipIf(!enabled)("kubectl-oidc setup against an IdP with the field guides' quirks", () => {
  const stack = useStack();

  const setupArgs = (issuer: string, flags: string[]): string[] => [
    'setup',
    `--oidc-issuer-url=${issuer}`,
    `--oidc-client-id=${TEST_CLIENT_ID}`,
    `--certificate-authority=${stack.certs.caFile}`,
    ...flags,
  ];

  /**
   * setup with the workspace's browser, listen address and cache (or only those of `from`) and the given flags (scopes
   * and apiserver rules are the test's).
   */
  const setup = async (
    ws: Workspace,
    flags: string[],
    {
      issuer = stack.idp.issuer,
      from = ['--browser-command', '--listen-address', '--token-cache-dir'],
      env = {} as Record<string, string>,
    } = {},
  ): Promise<{ result: RunResult; report: SetupReport }> => {
    const browser = ws.pluginArgs.filter((a) => from.some((flag) => a.startsWith(flag)));
    const result = await run(PLUGIN_BIN, setupArgs(issuer, [...browser, '-o', 'json', ...flags]), { env: { ...ws.env, ...env } });
    return { result, report: JSON.parse(result.stdout) as SetupReport };
  };
  const check = (report: SetupReport, name: string) => report.checks.find((c) => c.check === name);
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the fixtures' placeholder, not a template
  const ISSUER_PLACEHOLDER = '${ISSUER}';
  const fixture = (ws: Workspace, name: string): string => {
    const path = join(ws.dir, name);
    writeFileSync(path, readFileSync(join(REPO_ROOT, 'test/fixtures', name), 'utf8').replaceAll(ISSUER_PLACEHOLDER, stack.idp.issuer));
    return path;
  };

  it('derives the Kubernetes user, and the printed kubectl command makes a kubeconfig that works with real kubectl', async () => {
    const ws = newWorkspace(stack, { driverEnv: { DRIVER_LOGIN: 'quinn' } });
    try {
      // No --token-cache-dir: the session goes to HOME's default cache, which the printed kubeconfig will use too.
      // ui_locales=en,de: a comma inside an argument, which kubectl's --exec-arg would split unless quoted.
      const flags = [
        '--oidc-extra-scope=email,groups',
        '--oidc-auth-request-extra-params=ui_locales=en,de',
        '--oidc-username-claim=email',
        '--oidc-groups-claim=groups',
        '--save-session',
      ];
      const discoveries = stack.idp.counts.discovery;
      const { result, report } = await setup(ws, flags, { from: ['--browser-command'] });
      expect(result.code, result.stderr).toBe(0);
      expect(stack.idp.counts.discovery - discoveries).toBe(1);
      expect(report.verdict).toMatchObject({ ok: true, username: 'quinn@example.test', groups: ['developers', 'kubectl-oidc-testers'] });
      expect(report.checks.filter((c) => c.level === 'error')).toEqual([]);
      expect(report.configuration!.apiserverFlags).toEqual([
        `--oidc-issuer-url=${stack.idp.issuer}`,
        `--oidc-client-id=${TEST_CLIENT_ID}`,
        '--oidc-username-claim=email',
        '--oidc-groups-claim=groups',
        `--oidc-ca-file=${stack.certs.caFile}`,
      ]);
      // The IdP's private CA, for an API server that must fetch its JWKS.
      const pemLines = stack.certs.caPem.trim().split('\n');
      const authConfig = report.configuration!.authenticationConfiguration;
      expect(authConfig).toContain(`      certificateAuthority: |\n        ${pemLines[0]}\n        ${pemLines[1]}`);
      expect(report.configuration!.apiserverNotes).toEqual([
        `--oidc-ca-file is read on the API server's hosts: copy the IdP's CA (${stack.certs.caFile}) there and give that path`,
      ]);
      expect(report.configuration!.clusterRoleBinding).toContain('name: developers');
      expect(check(report, 'refresh')).toMatchObject({ level: 'ok' });
      expect(report.checks.some((c) => c.check === 'groups-mapping')).toBe(false);

      const kubeconfig = join(ws.dir, 'printed-kubeconfig');
      const env = { ...ws.env, KUBECONFIG: kubeconfig, PATH: `${join(REPO_ROOT, 'bin')}:${process.env.PATH}` };
      const made = await run('sh', ['-c', report.configuration!.kubectlCommand], { env });
      expect(made.code, made.stderr).toBe(0);
      const ca = Buffer.from(stack.certs.caPem).toString('base64');
      for (const args of [
        ['config', 'set-cluster', 'test', `--server=${stack.api.url}`],
        ['config', 'set', 'clusters.test.certificate-authority-data', ca],
        ['config', 'set-context', 'test', '--cluster=test', '--user=oidc'],
        ['config', 'use-context', 'test'],
      ]) {
        expect((await run(KUBECTL, args, { env })).code).toBe(0);
      }
      const logins = stack.idp.counts.logins;
      const whoami = await run(KUBECTL, ['auth', 'whoami', '-o', 'json'], { env });
      expect(whoami.code, whoami.stderr).toBe(0);
      expect(parseWhoAmI(whoami.stdout).username).toBe('quinn@example.test');
      expect(stack.idp.counts.logins).toBe(logins); // the session setup saved
    } finally {
      await ws.cleanup();
    }
  });

  it('Authentik gotcha: email_verified false → the exact rejection and the scope-mapping fix', async () => {
    const ws = newWorkspace(stack, { driverEnv: { DRIVER_LOGIN: 'unverified-rita' } });
    try {
      const { result, report } = await setup(ws, ['--oidc-extra-scope=email', '--oidc-username-claim=email']);
      expect(result.code).toBe(1);
      expect(report.verdict).toMatchObject({ ok: false, reason: 'oidc: email not verified' });
      expect(check(report, 'email-verified')).toMatchObject({
        level: 'error',
        fix: expect.stringContaining('verify the address at the IdP'),
      });
    } finally {
      await ws.cleanup();
    }
  });

  it('no email or groups claim without their scopes → claim not present, and the scopes to add', async () => {
    const ws = newWorkspace(stack, { driverEnv: { DRIVER_LOGIN: 'sam' } });
    try {
      const { result, report } = await setup(ws, [
        '--oidc-extra-scope=profile',
        '--oidc-username-claim=email',
        '--oidc-groups-claim=groups',
      ]);
      expect(result.code).toBe(1);
      expect(report.token!.claims.email).toBeUndefined();
      expect(report.verdict).toMatchObject({
        ok: false,
        reason: 'oidc: parse username claims "email": claim not present',
        fix: expect.stringMatching(
          /^map the username from a claim this token has as a string \(.*sub\) on kube-apiserver, or have the IdP put "email" in the ID token$/,
        ),
      });
      expect(check(report, 'email-claim')!.fix).toBe('add --oidc-extra-scope=email (IdPs release email only with that scope)');
      expect(check(report, 'groups-claim')!.fix).toContain('add --oidc-extra-scope=groups');
    } finally {
      await ws.cleanup();
    }
  });

  it('Entra ID gotcha: discovery without PKCE methods → a warning and --oidc-pkce-method=S256, and PKCE is still used', async () => {
    stack.idp.setQuirks({ noPkceMethods: true });
    const ws = newWorkspace(stack, { driverEnv: { DRIVER_LOGIN: 'tess' } });
    try {
      const { result, report } = await setup(ws, ['--oidc-extra-scope=email', '--oidc-username-claim=email']);
      expect(result.code, result.stderr).toBe(0);
      expect(check(report, 'pkce')).toMatchObject({ level: 'warn', fix: expect.stringContaining('--oidc-pkce-method=S256') });
      expect(result.stderr).toContain('code_challenge_method=S256');
      expect(report.verdict).toMatchObject({ ok: true, username: 'tess@example.test' });
    } finally {
      stack.idp.setQuirks({});
      await ws.cleanup();
    }
  });

  it('Authentik gotcha: an empty JWKS → an error before anything else, and the API server cannot verify the token', async () => {
    stack.idp.setQuirks({ emptyJwks: true });
    const ws = newWorkspace(stack, { driverEnv: { DRIVER_LOGIN: 'uma' } });
    try {
      const { result, report } = await setup(ws, ['--oidc-extra-scope=email', '--oidc-username-claim=email']);
      expect(result.code).toBe(1);
      expect(check(report, 'jwks')).toMatchObject({ level: 'error', message: expect.stringContaining('has no keys') });
      expect(report.verdict).toMatchObject({
        ok: false,
        reason: 'oidc: verify token: failed to verify signature: the IdP publishes no keys (empty JWKS)',
      });
    } finally {
      stack.idp.setQuirks({});
      await ws.cleanup();
    }
  });

  it('Entra ID gotcha: groups as object IDs → a warning with what to do', async () => {
    const ws = newWorkspace(stack, { driverEnv: { DRIVER_LOGIN: 'entra-ann' } });
    try {
      const { result, report } = await setup(ws, [
        '--oidc-extra-scope=email,groups',
        '--oidc-username-claim=email',
        '--oidc-groups-claim=groups',
      ]);
      expect(result.code, result.stderr).toBe(0);
      expect(check(report, 'groups-ids')).toMatchObject({
        level: 'warn',
        fix: expect.stringContaining('assign the groups to the enterprise application'),
      });
    } finally {
      await ws.cleanup();
    }
  });

  it('a trailing slash in --oidc-issuer-url that the IdP does not have → the exact issuer to use on both sides', async () => {
    const ws = newWorkspace(stack, { driverEnv: { DRIVER_LOGIN: 'vic' } });
    try {
      const { result, report } = await setup(ws, ['--oidc-extra-scope=email', '--oidc-username-claim=email'], {
        issuer: `${stack.idp.issuer}/`,
      });
      expect(result.code).toBe(1);
      expect(check(report, 'issuer')).toMatchObject({
        level: 'error',
        fix: `use --oidc-issuer-url=${stack.idp.issuer} here and the same string as kube-apiserver's issuer URL`,
      });
      expect(check(report, 'issuer')!.message).toContain('(they differ in the trailing slash)');
      expect(report.verdict).toMatchObject({
        ok: false,
        reason: expect.stringContaining('the API server skips the token without a log line'),
      });
    } finally {
      await ws.cleanup();
    }
  });

  it('AuthenticationConfiguration from the seeds: the MFA rule rejects with its message; a CEL mapping makes "sso:" users', async () => {
    const ws = newWorkspace(stack, { driverEnv: { DRIVER_LOGIN: 'nomfa-walt' } });
    try {
      const config = fixture(ws, 'auth-config-mfa.yaml');
      const rejected = await setup(ws, ['--oidc-extra-scope=profile', `--authentication-config=${config}`]);
      expect(rejected.result.code).toBe(1);
      expect(rejected.report.verdict!.reason).toBe(
        "oidc: error evaluating claim validation expression: validation expression 'claims.mfa == true' failed: Multi-factor " +
          'authentication is required to access this cluster.',
      );
      const ws2 = newWorkspace(stack, { driverEnv: { DRIVER_LOGIN: 'xena' } });
      try {
        const accepted = await setup(ws2, ['--oidc-extra-scope=profile', `--authentication-config=${config}`]);
        expect(accepted.report.verdict).toMatchObject({ ok: true, username: 'sso:xena', groups: ['platform-admins'] });
      } finally {
        await ws2.cleanup();
      }
    } finally {
      await ws.cleanup();
    }
  });

  it('AuthenticationConfiguration with two issuers: the matching one applies its prefixes', async () => {
    const ws = newWorkspace(stack, { driverEnv: { DRIVER_LOGIN: 'yara' } });
    try {
      const config = fixture(ws, 'auth-config-two-issuers.yaml');
      const { result, report } = await setup(ws, ['--oidc-extra-scope=email,groups', `--authentication-config=${config}`]);
      expect(result.code, result.stderr).toBe(0);
      expect(report.verdict).toMatchObject({
        ok: true,
        username: 'keycloak:yara@example.test',
        groups: ['keycloak:developers', 'keycloak:kubectl-oidc-testers'],
      });
    } finally {
      await ws.cleanup();
    }
  });

  it('an unregistered redirect URI → which registration to fix and what to register', async () => {
    const ws = newWorkspace(stack);
    try {
      const port = await freePort();
      const { result, report } = await setup(ws, [`--oidc-redirect-url=http://127.0.0.1:${port}/cb`]);
      expect(result.code).toBe(1);
      expect(report.error).toBe(
        `the IdP rejected the redirect URI http://127.0.0.1:${port}/cb for client "${TEST_CLIENT_ID}" — register ` +
          `http://127.0.0.1:${port}/cb as a redirect URI of the client at the IdP, or pass the registered one with --oidc-redirect-url`,
      );
      expect(check(report, 'registration')!.fix).toBe(
        `register the loopback redirect URIs this configuration uses: http://127.0.0.1:${port}/cb (or one pattern for any port, ` +
          `where the IdP has them)`,
      );
    } finally {
      await ws.cleanup();
    }
  });
  it('groups in the token that the API server would drop → the mapping to add, on both sides of the report', async () => {
    const ws = newWorkspace(stack, { driverEnv: { DRIVER_LOGIN: 'uma' } });
    try {
      const { result, report } = await setup(ws, ['--oidc-extra-scope=email,groups', '--oidc-username-claim=email']);
      expect(result.code, result.stderr).toBe(0);
      expect(report.verdict).toMatchObject({ ok: true, groups: [] });
      expect(check(report, 'groups-mapping')).toMatchObject({
        level: 'warn',
        fix: expect.stringMatching(/^set --oidc-groups-claim=groups --oidc-groups-prefix=oidc: on kube-apiserver/),
      });
      expect(report.configuration!.apiserverNotes).toContain(
        "to map the token's groups too: --oidc-groups-claim=groups --oidc-groups-prefix=oidc:",
      );
    } finally {
      await ws.cleanup();
    }
  });

  it('an IdP whose refresh answers never carry an ID token → setup refreshes once and says what follows and the fix', async () => {
    const ws = newWorkspace(stack, { driverEnv: { DRIVER_LOGIN: 'vera' } });
    try {
      stack.idp.setQuirks({ noIdTokenOnRefresh: 'always' });
      const refreshes = stack.idp.counts.grants.refresh_token ?? 0;
      const { result, report } = await setup(ws, ['--oidc-extra-scope=email', '--oidc-username-claim=email']);
      expect(result.code, result.stderr).toBe(0); // a warning: the cluster accepts the user
      expect(check(report, 'refresh')).toMatchObject({
        level: 'warn',
        message: expect.stringMatching(/carry no ID token, even when the openid scope is asked for .* \(it lives 60 min\)$/),
        fix: expect.stringContaining('--oidc-use-access-token'),
      });
      expect((stack.idp.counts.grants.refresh_token ?? 0) - refreshes).toBe(1); // one request, with the scope
    } finally {
      stack.idp.setQuirks({});
      await ws.cleanup();
    }
  });

  it('client credentials: the JWT access token is judged, and the kubectl side keeps the grant and the secret as a reference', async () => {
    const ws = newWorkspace(stack);
    try {
      const result = await run(
        PLUGIN_BIN,
        [
          'setup',
          `--oidc-issuer-url=${stack.idp.issuer}`,
          `--oidc-client-id=${MACHINE_CLIENT_ID}`,
          '--grant-type=client-credentials',
          `--certificate-authority=${stack.certs.caFile}`,
          `--token-cache-dir=${ws.cacheDir}`,
          '--oidc-username-claim=sub',
          '-o',
          'json',
        ],
        { env: { ...ws.env, KUBECTL_OIDC_CLIENT_SECRET: MACHINE_CLIENT_SECRET } },
      );
      const report = JSON.parse(result.stdout) as SetupReport;
      expect(report.token).toMatchObject({ kind: 'access token', claims: { aud: MACHINE_AUDIENCE } });
      // Judged as the flags say: the API server's client id must be the token's audience.
      expect(report.verdict).toMatchObject({ ok: false, reason: expect.stringContaining(`got ["${MACHINE_AUDIENCE}"]`) });
      expect(result.code).toBe(1);
      const c = report.configuration!;
      expect(c.kubectlCommand).toContain(' --exec-arg=--grant-type=client-credentials ');
      expect(c.kubectlCommand).toContain("--exec-env='KUBECTL_OIDC_CLIENT_SECRET=<redacted: see --show-secrets>'");
      expect(c.kubeconfigUser).toContain('--grant-type=client-credentials');
      expect(result.stdout).not.toContain(MACHINE_CLIENT_SECRET);
    } finally {
      await ws.cleanup();
    }
  });

  it('failures: one line on stderr and exit 1; nothing printed for an issuer never reached; an untested configuration said so', async () => {
    const ws = newWorkspace(stack);
    try {
      const port = await freePort(); // nothing listens there
      const text = (issuer: string, flags: string[]) => run(PLUGIN_BIN, setupArgs(issuer, flags), { env: ws.env });
      const unreached = await text(`https://127.0.0.1:${port}`, []);
      expect(unreached.code).toBe(1);
      expect(unreached.stdout).toBe('');
      expect(unreached.stderr).toMatch(
        /^kubectl-oidc: OpenID discovery failed: cannot reach https:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\) — [^\n]+\n$/,
      );

      // Reached, but the login did not complete: the issuer's checks, then the configuration under a heading that says so.
      const browser = ws.pluginArgs.filter((a) => a.startsWith('--browser-command') || a.startsWith('--listen-address'));
      const failed = await text(stack.idp.issuer, [...browser, `--oidc-redirect-url=http://127.0.0.1:${port}/cb`]);
      expect(failed.code).toBe(1);
      expect(failed.stderr).toMatch(/^kubectl-oidc: the IdP rejected the redirect URI http:\/\/127\.0\.0\.1:\d+\/cb for client [^\n]+\n$/);
      const heading = failed.stdout.indexOf('The configuration below is untested: the login did not complete.');
      expect(heading).toBeGreaterThan(failed.stdout.indexOf('✗ registration'));
      expect(heading).toBeLessThan(failed.stdout.indexOf('Configure kubectl'));

      // Logged in, and the cluster would reject the token: the first problem and how many more, in one line.
      const rejected = await text(stack.idp.issuer, [...browser, '--oidc-username-claim=email']);
      expect(rejected.code).toBe(1);
      // (after the login's own lines: the address it opened)
      expect(rejected.stderr.trimEnd().split('\n').at(-1)).toMatch(
        /^kubectl-oidc: kube-apiserver would reject this token: .*email.* — the report above says how to fix each ✗$/,
      );
      expect(rejected.stdout).toContain('Configure kubectl');
      expect(rejected.stdout).not.toContain('untested');
    } finally {
      await ws.cleanup();
    }
  });

  it('flags that suit only this machine are copied with a warning beside each', async () => {
    const ws = newWorkspace(stack);
    try {
      const local = ['--insecure-skip-tls-verify', '--skip-open-browser', '--listen-address=127.0.0.1:0'];
      const { result, report } = await setup(ws, ['--grant-type=password', '--username=wes', ...local], {
        from: [],
        env: { KUBECTL_OIDC_PASSWORD: TEST_PASSWORD },
      });
      expect(result.code, result.stderr).toBe(0);
      const warned = report.configuration!.localArgs.map(({ arg }) => arg);
      expect(warned).toEqual([
        `--certificate-authority=${stack.certs.caFile}`,
        '--insecure-skip-tls-verify',
        ...local.slice(2),
        '--skip-open-browser',
      ]);
      const user = report.configuration!.kubeconfigUser;
      expect(user).toMatch(/- --insecure-skip-tls-verify # ! turns off the IdP certificate check for everyone using this kubeconfig/);
      expect(user).toMatch(/- --listen-address=127\.0\.0\.1:0 # ! a new port each login/);
      expect(user).toMatch(/- --skip-open-browser # ! no browser opens/);
      expect(user).toMatch(/- --grant-type=password\n/); // nothing beside what suits any machine
      // The comments are YAML comments: the snippet still reads as the same args.
      expect((parseYaml(user) as { users: { user: { exec: { args: string[] } } }[] }).users[0]!.user.exec.args).toContain(
        '--skip-open-browser',
      );
    } finally {
      await ws.cleanup();
    }
  });

  it('an opaque access token as the credential → "kube-apiserver cannot verify it", and the configuration still printed', async () => {
    const ws = newWorkspace(stack);
    try {
      const { result, report } = await setup(ws, ['--grant-type=password', '--username=wes', '--oidc-use-access-token'], {
        from: ['--token-cache-dir'],
        env: { KUBECTL_OIDC_PASSWORD: TEST_PASSWORD },
      });
      expect(result.code).toBe(1);
      expect(report.verdict).toEqual({
        ok: false,
        reason: 'the access token is opaque (not a JWT): kube-apiserver cannot verify it',
        fix: 'have the IdP issue JWT access tokens for an audience the API server accepts (often a resource or audience setting)',
      });
      expect(check(report, 'credential')).toMatchObject({ level: 'error' });
      expect(report.configuration!.kubectlCommand).toContain(' --exec-arg=--oidc-use-access-token ');
      expect(report.configuration!.kubectlCommand).toContain(' --exec-arg=--grant-type=password ');
    } finally {
      await ws.cleanup();
    }
  });
});
