import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kubeloginArgs, migrateKubeconfig } from '../../src/commands/migrate/kubeconfig.js';
import { unifiedDiff } from '../../src/kubeconfig/diff.js';

const KUBECONFIG = `# my clusters
apiVersion: v1
kind: Config
users:
- name: oidc # the kubelogin one
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: kubectl
      args:
      - oidc-login
      - get-token
      - --oidc-issuer-url=https://idp.example
      - --oidc-client-id=kubernetes
      - --oidc-use-pkce
      interactiveMode: IfAvailable
- name: standalone
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: /usr/local/bin/kubectl-oidc_login
      args: [get-token, --oidc-issuer-url=https://other.example, --oidc-client-id=k8s]
      env:
      - name: HTTPS_PROXY
        value: http://proxy:3128
- name: certificate
  user:
    client-certificate-data: Zm9v
- name: aws
  user:
    exec:
      command: aws
      args: [eks, get-token]
`;

/** A kubeconfig whose users a, b, … run kubelogin with these flow-style argument lists. */
const kubeloginUsers = (...argLists: string[]): string =>
  [
    'users:',
    ...argLists.flatMap((args, i) => [
      `- name: ${String.fromCharCode(97 + i)}`,
      '  user:',
      '    exec:',
      '      command: kubelogin',
      `      args: [${args}]`,
    ]),
    '',
  ].join('\n');

describe('migrate: the kubeconfig', () => {
  it('rewrites every kubelogin user and leaves every other byte as it was', () => {
    const { text, users } = migrateKubeconfig(KUBECONFIG, 'kubectl-oidc', 'config');
    expect(users.map((u) => [u.name, u.was, u.getTokenArgs])).toEqual([
      ['oidc', 'kubectl oidc-login get-token', ['--oidc-issuer-url=https://idp.example', '--oidc-client-id=kubernetes', '--oidc-use-pkce']],
      ['standalone', '/usr/local/bin/kubectl-oidc_login get-token', ['--oidc-issuer-url=https://other.example', '--oidc-client-id=k8s']],
    ]);
    const changed = unifiedDiff(KUBECONFIG, text, 'config', 'config')
      .split('\n')
      .filter((line) => /^[-+](?!--|\+\+)/.test(line));
    expect(changed).toEqual([
      '-      command: kubectl',
      '+      command: kubectl-oidc',
      '-      - oidc-login',
      '-      - --oidc-use-pkce',
      '+      - --oidc-pkce-method=S256', // a deprecated name translated
      '-      command: /usr/local/bin/kubectl-oidc_login',
      '+      command: kubectl-oidc',
    ]);
    for (const kept of [
      '# my clusters',
      '- name: oidc # the kubelogin one',
      'interactiveMode: IfAvailable',
      'value: http://proxy:3128',
      'command: aws',
    ]) {
      expect(text).toContain(kept);
    }
    expect(text).toContain('command: kubectl-oidc\n');
    expect(migrateKubeconfig(text, 'kubectl-oidc', 'config').users, 'a second run finds nothing').toEqual([]);
  });

  it('moves a client secret from the arguments to the exec env, and keeps what needs commander as it was', () => {
    const input = kubeloginUsers(
      'get-token, --oidc-issuer-url=https://idp.example, --oidc-client-id=k, --oidc-client-secret=s3cret',
      'get-token, --oidc-issuer-url=https://idp.example, --oidc-client-id=k, -v1',
    );
    const { text } = migrateKubeconfig(input, 'kubectl-oidc', 'config');
    expect(text).toContain('args: [get-token, --oidc-issuer-url=https://idp.example, --oidc-client-id=k]\n');
    expect(text).toContain('env:\n      - name: KUBECTL_OIDC_CLIENT_SECRET\n        value: s3cret');
    expect(text).toContain('args: [get-token, --oidc-issuer-url=https://idp.example, --oidc-client-id=k, -v1]');
  });

  it('knows kubelogin by the command and the first arguments, wherever it is installed', () => {
    expect(kubeloginArgs('kubelogin', ['get-token', '--x'])).toEqual(['--x']);
    expect(kubeloginArgs('C:\\\\tools\\\\kubelogin.exe', ['get-token'])).toEqual([]);
    expect(kubeloginArgs('/opt/bin/kubectl', ['oidc-login', 'get-token', '--x'])).toEqual(['--x']);
    expect(kubeloginArgs('kubectl', ['oidc-login', 'setup'])).toBeUndefined();
    expect(kubeloginArgs('kubectl-oidc', ['get-token'])).toBeUndefined();
  });

  it('says in one line when the file is not YAML', () => {
    expect(() => migrateKubeconfig('users: [\n', 'kubectl-oidc', '/home/me/.kube/config')).toThrow(
      /^\/home\/me\/.kube\/config is not YAML: /,
    );
  });
});

describe('migrate edits only what belongs to the users it migrates', () => {
  const user = (name: string, exec: string): string => `- name: ${name}\n  user:\n    exec:\n${exec}`;

  it('users that share their arguments through an anchor: each migrated user gets its own copy; the anchor stays for others', () => {
    const input = [
      'users:',
      user(
        'first',
        '      command: kubectl\n      args: &kubelogin [oidc-login, get-token, --oidc-issuer-url=https://idp.example, --oidc-client-id=k]',
      ),
      user('second', '      command: kubectl\n      args: *kubelogin'),
      user('tool', '      command: /opt/tool\n      args: *kubelogin'),
      '',
    ].join('\n');
    const { text, users, skipped } = migrateKubeconfig(input, 'kubectl-oidc', 'config');
    // "second" borrowed the list: it gets a copy of its own, migrated. "first" owns the anchor that "tool" (not a
    // kubelogin user) still borrows: it stays as it was, and says why.
    expect(users.map((u) => u.name)).toEqual(['second']);
    expect(skipped).toEqual([{ name: 'first', why: 'its exec is shared with other users through the anchor &kubelogin' }]);
    expect(text).toContain(
      '      command: kubectl\n      args: &kubelogin [oidc-login, get-token, --oidc-issuer-url=https://idp.example, --oidc-client-id=k]',
    );
    expect(text).toContain('- name: second\n  user:\n    exec:\n      command: kubectl-oidc\n      args: [get-token, --oidc-issuer-url');
    expect(text).toContain('- name: tool\n  user:\n    exec:\n      command: /opt/tool\n      args: *kubelogin');
  });

  it('when every user of an anchor is migrated, all are, and nobody is left running kubelogin arguments with another command', () => {
    const input = [
      'users:',
      user(
        'a',
        '      command: kubectl\n      args: &args [oidc-login, get-token, --oidc-issuer-url=https://idp.example, --oidc-client-id=k]',
      ),
      ...Array.from({ length: 5 }, (_, i) => user(`b${i}`, '      command: kubectl\n      args: *args')),
      '',
    ].join('\n');
    const { text, users, skipped } = migrateKubeconfig(input, 'kubectl-oidc', 'config');
    expect(users).toHaveLength(6);
    expect(skipped).toEqual([]);
    expect(text).not.toContain('oidc-login');
    expect(text.match(/command: kubectl-oidc\n {6}args: (&args )?\[get-token, /g)).toHaveLength(6);
  });

  it('a user with a flag kubectl-oidc does not take is left exactly as it was, and the others are migrated', () => {
    const broken = [
      '- name: broken',
      '  user:',
      '    exec:',
      '      command: kubectl',
      '      args: [oidc-login, get-token, --oidc-issuer-url=https://idp.example, --oidc-client-id=k, --oidc-use-pkce,',
      '        --oidc-client-secret=s3cret, --bogus-flag=1]',
    ].join('\n');
    const input = `${KUBECONFIG}${broken}\n`;
    const { text, users, skipped } = migrateKubeconfig(input, 'kubectl-oidc', 'config');
    expect(skipped).toEqual([{ name: 'broken', why: 'kubectl-oidc has no --bogus-flag (remove it or replace it, then migrate again)' }]);
    expect(users.map((u) => u.name)).toEqual(['oidc', 'standalone']);
    expect(text.endsWith(`${broken}\n`)).toBe(true);
    // klog's flags and -v, in every spelling kubelogin takes, are not "unknown".
    const klog = KUBECONFIG.replace(
      '      - --oidc-use-pkce',
      '      - --oidc-use-pkce\n      - --log_dir=/tmp\n      - --log-file=x\n      - -v=2\n      - --v=1',
    );
    expect(migrateKubeconfig(klog, 'kubectl-oidc', 'config').skipped).toEqual([]);
  });

  it('CRLF line ends and a byte order mark stay as they were', () => {
    const input = `\uFEFF${KUBECONFIG.replace(/\n/g, '\r\n')}`;
    const { text, users } = migrateKubeconfig(input, 'kubectl-oidc', 'config');
    const lf = migrateKubeconfig(KUBECONFIG, 'kubectl-oidc', 'config');
    expect(users).toEqual(lf.users);
    expect(text).toBe(`\uFEFF${lf.text.replace(/\n/g, '\r\n')}`);
    expect(text.startsWith('\uFEFF# my clusters\r\n')).toBe(true);
    expect(text.replace(/\r\n/g, '')).not.toContain('\n');
    expect(text).toContain('command: kubectl-oidc\r\n');
  });

  it("--dry-run's diff of a large kubeconfig (100,000 lines) stays small in memory and names only the changed lines", () => {
    const filler = Array.from({ length: 20_000 }, (_, i) => user(`u${i}`, `      command: /opt/other\n      args: [x${i}]`)).join('\n');
    const input = `${KUBECONFIG}${filler}\n`;
    const { text } = migrateKubeconfig(input, 'kubectl-oidc', 'config');
    const small = migrateKubeconfig(KUBECONFIG, 'kubectl-oidc', 'config');
    const before = process.memoryUsage().heapUsed;
    const diff = unifiedDiff(input, text, 'config', 'config');
    // The whole-matrix diff it replaces needed 100,000² cells here.
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(64 * 1024 * 1024);
    expect(diff).toBe(unifiedDiff(KUBECONFIG, small.text, 'config', 'config'));
  });
});

/** Styles kubectl never writes but people do: aligned comments, flow style, quotes, indented lists, a trailing comment. */
const HAND_WRITTEN = `apiVersion: v1
clusters: [{name: prod, cluster: {server: "https://prod.example:6443"}}]
users:
  - name: admin-token   # keep me
    user: {token: abc}
  - name: oidc
    user:
      exec:
        apiVersion:  client.authentication.k8s.io/v1   # aligned
        command: 'kubectl'
        args:
          - oidc-login     # the plugin
          - get-token
          - "--oidc-issuer-url=https://idp.example"
          - --oidc-client-id=kubernetes
        interactiveMode: Never    # as it was
  - name: flow
    user:
      exec: {command: kubelogin, args: [get-token, --oidc-issuer-url=https://x, --oidc-client-id=y, --oidc-client-secret=s3cret, "--oidc-extra-scope=a,b"], apiVersion: client.authentication.k8s.io/v1}
  - name: block-secret
    user:
      exec:
        command: kubelogin
        args:
          - get-token
          - --oidc-issuer-url=https://z
          - --oidc-client-id=w
          - --oidc-client-secret=t0p
          - --oidc-use-pkce
        interactiveMode: IfAvailable   # trailing
# end
`;

describe('migrate is byte-exact outside what it edits', () => {
  const expected = HAND_WRITTEN.replace("command: 'kubectl'", "command: 'kubectl-oidc'")
    .replace('          - oidc-login     # the plugin\n', '')
    .replace(
      'exec: {command: kubelogin, args: [get-token, --oidc-issuer-url=https://x, --oidc-client-id=y, --oidc-client-secret=s3cret, "--oidc-extra-scope=a,b"], apiVersion: client.authentication.k8s.io/v1}',
      'exec: {command: kubectl-oidc, args: [get-token, --oidc-issuer-url=https://x, --oidc-client-id=y, --oidc-extra-scope=a, --oidc-extra-scope=b], apiVersion: client.authentication.k8s.io/v1, env: [{name: KUBECTL_OIDC_CLIENT_SECRET, value: s3cret}]}',
    )
    .replace('        command: kubelogin\n', '        command: kubectl-oidc\n')
    .replace('          - --oidc-client-secret=t0p\n          - --oidc-use-pkce\n', '          - --oidc-pkce-method=S256\n')
    .replace(
      '        interactiveMode: IfAvailable   # trailing\n',
      '        interactiveMode: IfAvailable   # trailing\n        env:\n          - name: KUBECTL_OIDC_CLIENT_SECRET\n            value: t0p\n',
    );

  it('comments and the spaces before them, alignment, quotes, flow style and list indentation stay; only the edits change', () => {
    const { text, users } = migrateKubeconfig(HAND_WRITTEN, 'kubectl-oidc', 'config');
    expect(users.map((u) => u.name)).toEqual(['oidc', 'flow', 'block-secret']);
    expect(text).toBe(expected);
    expect(text).toContain('  - name: admin-token   # keep me\n');
  });

  it('with CRLF line ends too', () => {
    const { text } = migrateKubeconfig(HAND_WRITTEN.replace(/\n/g, '\r\n'), 'kubectl-oidc', 'config');
    expect(text).toBe(expected.replace(/\n/g, '\r\n'));
  });

  it("--dry-run's unified diff applies with git apply and gives the migrated file", () => {
    for (const eol of ['\n', '\r\n']) {
      const dir = mkdtempSync(join(tmpdir(), 'kubectl-oidc-diff-'));
      try {
        const input = HAND_WRITTEN.replace(/\n/g, eol);
        const { text } = migrateKubeconfig(input, 'kubectl-oidc', 'config');
        const diff = unifiedDiff(input, text, 'config', 'config\t(migrated)');
        expect(diff.split('\n').slice(0, 3)).toEqual([
          '--- config',
          '+++ config\t(migrated)',
          expect.stringMatching(/^@@ -\d+,\d+ \+\d+,\d+ @@$/),
        ]);
        writeFileSync(join(dir, 'config'), input);
        writeFileSync(join(dir, 'change.diff'), diff);
        execFileSync('git', ['apply', '-p0', '--whitespace=nowarn', 'change.diff'], { cwd: dir, stdio: 'pipe' });
        expect(readFileSync(join(dir, 'config'), 'utf8')).toBe(text);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    expect(unifiedDiff(HAND_WRITTEN, HAND_WRITTEN, 'config', 'config')).toBe('');
  });
});

describe('migrate and ~ paths', () => {
  it('a rewritten argument list keeps ~/… paths as written, not as this home expands them', () => {
    const input = kubeloginUsers(
      'get-token, --oidc-issuer-url=https://idp.example, --oidc-client-id=k, --oidc-use-pkce, --certificate-authority=~/ca.pem, --token-cache-dir, ~/kc',
    );
    const { text } = migrateKubeconfig(input, 'kubectl-oidc', 'config');
    expect(text).toContain('--oidc-pkce-method=S256');
    expect(text).toContain('--certificate-authority=~/ca.pem');
    expect(text).toContain('--token-cache-dir=~/kc');
    expect(text).not.toContain(homedir());
  });
});
