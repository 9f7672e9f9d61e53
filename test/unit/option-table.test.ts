import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { parseGetTokenArgs } from '../../src/cli/options.js';
import { snippets } from '../../src/commands/setup/snippets.js';
import { kubeconfigArgs } from '../../src/options/kubeconfig-args.js';
import { fastParseGetToken } from '../../src/options/parse.js';
import { defaultOf, OPTION_TABLE, type Row, rowsOf } from '../../src/options/table.js';
import { KEY_V1, sessionKey } from '../../src/session/key.js';

const dir = mkdtempSync(join(tmpdir(), 'kubectl-oidc-table-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const secretFile = join(dir, 'client-secret');
const passwordFile = join(dir, 'password');
writeFileSync(secretFile, 'secret-from-file\n');
writeFileSync(passwordFile, 'password-from-file\n');

/** A value for every row that differs from its default, as command-line arguments. */
const sampleArgs = (row: Row, grant: string, secretsInFiles: boolean): string[] => {
  const flag = `--${row.name}`;
  if (row.name === 'grant-type') return [`${flag}=${grant}`];
  if (row.secret && secretsInFiles) return [];
  if (row.readInto && !secretsInFiles) return [];
  if (row.readInto) return [`${flag}=${row.name === 'password-file' ? passwordFile : secretFile}`];
  switch (row.kind) {
    case 'boolean':
      return [flag];
    case 'int':
      return [`${flag}=${(row.min ?? 0) + 7}`];
    case 'choice':
      return [`${flag}=${row.choices!.find((choice) => choice !== defaultOf(row))}`];
    case 'list':
      return row.listenAddresses ? [`${flag}=127.0.0.1:9000`, `${flag}=[::1]:0`] : [`${flag}=one`, `${flag}=two,three`];
    case 'map':
      return [`${flag}=k1=v=1`, `${flag}=k2=two`];
    default:
      if (row.name === 'oidc-issuer-url') return [`${flag}=https://idp.example/realms/a`];
      if (row.name.includes('redirect-url')) return [`${flag}=http://localhost:8000/callback`];
      return [`${flag}=${row.name}-value`];
  }
};

describe('the option table', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  const printable = rowsOf('get-token').filter((row) => row.kubeconfig !== false);
  const grants = (OPTION_TABLE.find((row) => row.name === 'grant-type') as Row).choices!;
  const cases = grants.flatMap((grant) => [
    [grant, 'secrets as values'],
    [grant, 'secrets in files'],
  ]);

  it.each(cases)('round trip with --grant-type=%s, %s: argv → options → setup kubeconfig args → the same options', (grant, how) => {
    for (const name of Object.keys(process.env)) if (name.startsWith('KUBECTL_OIDC_')) delete process.env[name];
    const argv = printable.flatMap((row) => sampleArgs(row, grant, how === 'secrets in files'));
    const options = parseGetTokenArgs(argv);
    expect(fastParseGetToken(argv, process.env), 'the cache-hit parser reads the same').toEqual(options);

    const printed = kubeconfigArgs(options);
    expect(printed.args[0]).toBe('get-token');
    if (grant === 'auto') expect(printed.args.join(' '), 'the default is left out').not.toContain('--grant-type');
    else expect(printed.args).toContain(`--grant-type=${grant}`);
    const joined = [...printed.args, ...printed.env.map((e) => `${e.name}=${e.value}`)].join(' ');
    for (const row of printable) {
      if (row.name === 'grant-type') continue;
      if (row.readInto && how === 'secrets as values') continue;
      if (row.secret && how === 'secrets in files') continue;
      expect(joined, `setup prints --${row.name}`).toMatch(
        row.secret ? /KUBECTL_OIDC_(CLIENT_SECRET|PASSWORD)=/ : new RegExp(`--${row.name}\\b`),
      );
    }
    for (const secret of ['oidc-client-secret-value', 'password-value', 'secret-from-file', 'password-from-file']) {
      expect(printed.args.join(' '), 'a secret is never an argument').not.toContain(secret);
    }

    for (const { name, value } of printed.env) process.env[name] = value;
    expect(parseGetTokenArgs(printed.args.slice(1))).toEqual(options);
  });

  it('an empty path (KUBECTL_OIDC_TOKEN_CACHE_DIR= in a kubeconfig, --token-cache-dir=) is the default, in both parsers', () => {
    for (const name of Object.keys(process.env)) if (name.startsWith('KUBECTL_OIDC_')) delete process.env[name];
    const base = ['--oidc-issuer-url=https://idp.example', '--oidc-client-id=c'];
    const expected = parseGetTokenArgs(base).cache.tokenCacheDir;
    expect(expected).toMatch(/kubectl-oidc$/);
    expect(parseGetTokenArgs([...base, '--token-cache-dir=']).cache.tokenCacheDir).toBe(expected);
    expect(fastParseGetToken([...base, '--token-cache-dir='], {})?.cache.tokenCacheDir).toBe(expected);
    expect(fastParseGetToken(base, { KUBECTL_OIDC_TOKEN_CACHE_DIR: '' })?.cache.tokenCacheDir).toBe(expected);
    process.env.KUBECTL_OIDC_TOKEN_CACHE_DIR = '';
    expect(parseGetTokenArgs(base).cache.tokenCacheDir).toBe(expected);
  });

  it('prints only what differs from the defaults', () => {
    const options = parseGetTokenArgs(['--oidc-issuer-url=https://idp.example', '--oidc-client-id=kubectl']);
    expect(kubeconfigArgs(options)).toEqual({
      args: ['get-token', '--oidc-issuer-url=https://idp.example', '--oidc-client-id=kubectl'],
      env: [],
      local: new Map(),
    });
  });

  it('marks the printed args that suit only this machine, with why', () => {
    const options = parseGetTokenArgs([
      '--oidc-issuer-url=https://idp.example',
      '--oidc-client-id=kubectl',
      '--listen-address=127.0.0.1:8000',
      '--listen-address=127.0.0.1:0',
      '--token-cache-dir=/srv/cache',
      '--browser-command=firefox',
    ]);
    const { local } = kubeconfigArgs(options);
    expect([...local.keys()]).toEqual(['--listen-address=127.0.0.1:0', '--browser-command=firefox', '--token-cache-dir=/srv/cache']);
    expect(local.get('--token-cache-dir=/srv/cache')).toBe('a path on this machine: every machine using this kubeconfig needs /srv/cache');
    expect(local.get('--browser-command=firefox')).toBe('a command of this machine: others may not have firefox');
  });

  it("setup's kubeconfig for client credentials keeps the grant, the assertion file and the username", () => {
    const options = parseGetTokenArgs([
      '--oidc-issuer-url=https://idp.example',
      '--oidc-client-id=ci-bot',
      '--grant-type=client-credentials',
      '--oidc-client-assertion-file=/var/run/secrets/token',
      '--username=svc',
    ]);
    const legacy = {
      issuerUrl: 'https://idp.example',
      clientId: 'ci-bot',
      usernameClaim: 'sub',
      requiredClaims: {},
      signingAlgs: ['RS256'],
    };
    const printed = snippets(options, legacy, {}, { userName: 'oidc', showSecrets: false, command: 'kubectl-oidc' });
    for (const arg of ['--grant-type=client-credentials', '--oidc-client-assertion-file=/var/run/secrets/token', '--username=svc']) {
      expect(printed.kubectlCommand).toContain(`--exec-arg=${arg}`);
      expect(printed.kubeconfigUser).toContain(`- ${arg}`);
    }
  });

  it('keeps the session key of earlier releases for every option that is part of it', () => {
    const args = [
      '--oidc-issuer-url=https://idp.example',
      '--oidc-client-id=kubectl',
      '--oidc-client-secret=s3',
      '--oidc-extra-scope=groups,email,email',
      '--oidc-redirect-url=http://localhost:8000/cb',
      '--oidc-pkce-method=S256',
      '--oidc-use-access-token',
      '--oidc-auth-request-extra-params=b=2,a=1',
      '--oidc-request-header=Origin=x',
      '--certificate-authority=/b.pem',
      '--certificate-authority=/a.pem',
      '--certificate-authority-data=Yg==',
      '--insecure-skip-tls-verify',
      '--login-hint=bob',
      '--oidc-client-assertion-file=/sa',
      '--username=u',
      '--account=work',
      '--listen-address=127.0.0.1:9000',
      '--grant-type=password',
    ];
    // The digest version 0.1.0 computed for these flags (its hand-written key, before the table).
    expect(sessionKey(parseGetTokenArgs(args))).toBe('74b7fa920f61e6432662d31b4243f71220732fbd002cf4f277884686556cf763');
  });

  it("the session key's fields are listed, versioned (KEY_V1), not by the table's order: the same options either way", () => {
    const marked = OPTION_TABLE.filter((row: Row) => row.sessionKey !== undefined).map((row: Row) => `${row.sessionKey}:${row.name}`);
    const listed = KEY_V1.flatMap(([field, ...names]) => names.map((name) => `${field}:${name}`));
    expect([...listed].sort()).toEqual([...marked].sort());
    expect(new Set(listed).size).toBe(listed.length);
  });

  it('has one row per option and command, and every option has a help text', () => {
    for (const command of ['get-token', 'setup', 'logout', 'status'] as const) {
      const names = rowsOf(command).map((row) => row.name);
      expect(new Set(names).size, command).toBe(names.length);
    }
    for (const row of OPTION_TABLE as readonly Row[]) expect(row.description.length, row.name).toBeGreaterThan(10);
  });
});
