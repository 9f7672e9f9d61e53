import { CommanderError } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { parseGetTokenArgs } from '../../src/cli/options.js';
import { fastParseGetToken } from '../../src/options/parse.js';
import { envName, rowsOf } from '../../src/options/table.js';
import type { GetTokenOptions } from '../../src/options/types.js';

const required = ['--oidc-issuer-url=https://idp.example', '--oidc-client-id=kubectl'];

describe('get-token flags', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('has kubelogin-compatible defaults', () => {
    process.env.KUBECACHEDIR = '/tmp/kube-cache';
    const options = parseGetTokenArgs(required);
    expect(options.provider).toEqual({
      issuerUrl: 'https://idp.example',
      clientId: 'kubectl',
      extraScopes: [],
      requestHeaders: {},
      certificateAuthorityFiles: [],
      certificateAuthorityData: [],
      insecureSkipTlsVerify: false,
      tlsRenegotiationOnce: false,
      tlsRenegotiationFreely: false,
      requestTimeoutSec: 20,
    });
    expect(options.login).toMatchObject({
      pkceMethod: 'auto',
      listenAddresses: [],
      authenticationTimeoutSec: 180,
      grantType: 'auto',
      skipOpenBrowser: false,
    });
    expect(options.cache).toEqual({
      tokenCacheDir: '/tmp/kube-cache/kubectl-oidc',
      tokenCacheStorage: 'keyring',
      tokenExpiryMarginSec: 60,
      loginCooldownSec: 60,
      noKeyring: false,
      forceKeyring: false,
    });
    expect(options.useAccessToken).toBe(false);
    expect(options.verbose).toBe(0);
  });

  it('takes repeatable list flags, space- and comma-separated lists', () => {
    const options = parseGetTokenArgs([
      ...required,
      '--oidc-extra-scope=email',
      '--oidc-extra-scope',
      'profile groups,offline_access',
      '--listen-address=127.0.0.1:8080',
      '--listen-address=127.0.0.1:0',
    ]);
    expect(options.provider.extraScopes).toEqual(['email', 'profile', 'groups', 'offline_access']);
    expect(options.login.listenAddresses).toEqual(['127.0.0.1:8080', '127.0.0.1:0']);
  });

  it('takes key=value flags, repeated or comma-joined, and keeps "=" in values', () => {
    const options = parseGetTokenArgs([
      ...required,
      '--oidc-auth-request-extra-params=prompt=consent,login_hint=a@b.c',
      '--oidc-auth-request-extra-params=acr_values=x=y',
      '--oidc-request-header=Origin=http://localhost',
    ]);
    expect(options.login.authRequestExtraParams).toEqual({ prompt: 'consent', login_hint: 'a@b.c', acr_values: 'x=y' });
    expect(options.provider.requestHeaders).toEqual({ Origin: 'http://localhost' });
  });

  it('reads every flag from KUBECTL_OIDC_* so secrets need not sit in argv; argv wins', () => {
    expect(envName('oidc-client-secret')).toBe('KUBECTL_OIDC_CLIENT_SECRET');
    expect(envName('listen-address')).toBe('KUBECTL_OIDC_LISTEN_ADDRESS');
    process.env.KUBECTL_OIDC_ISSUER_URL = 'https://from-env.example';
    process.env.KUBECTL_OIDC_CLIENT_ID = 'env-client';
    process.env.KUBECTL_OIDC_CLIENT_SECRET = 's3cret';
    process.env.KUBECTL_OIDC_EXTRA_SCOPE = 'email groups';
    process.env.KUBECTL_OIDC_SKIP_OPEN_BROWSER = '1';
    const fromEnv = parseGetTokenArgs([]);
    expect(fromEnv.provider).toMatchObject({
      issuerUrl: 'https://from-env.example',
      clientId: 'env-client',
      clientSecret: 's3cret',
      extraScopes: ['email', 'groups'],
    });
    expect(fromEnv.login.skipOpenBrowser).toBe(true);
    expect(parseGetTokenArgs(['--oidc-client-id=argv-client']).provider.clientId).toBe('argv-client');
  });

  it('parses -v, --v=N and the PKCE, storage and grant choices', () => {
    expect(parseGetTokenArgs([...required, '-v']).verbose).toBe(1);
    expect(parseGetTokenArgs([...required, '--v=3']).verbose).toBe(3);
    const options = parseGetTokenArgs([
      ...required,
      '--oidc-pkce-method=S256',
      '--token-cache-storage=none',
      '--grant-type=authcode',
      '--oidc-use-access-token',
      '--force-refresh',
    ]);
    expect(options.login.pkceMethod).toBe('S256');
    expect(options.cache.tokenCacheStorage).toBe('none');
    expect(options.login.grantType).toBe('authcode');
    expect(options.useAccessToken).toBe(true);
    expect(options.forceRefresh).toBe(true);
  });

  it.each([
    [[], /required option '--oidc-issuer-url <url>'/],
    [[...required, '--oidc-pkce-method=plain'], /allowed: auto, S256, no/],
    [[...required, '--authentication-timeout-sec=0'], /positive whole number/],
    [[...required, '--oidc-request-header=novalue'], /takes key=value/],
    [[...required, '--unknown'], /unknown option '--unknown'/],
  ])('rejects %j', (args, message) => {
    expect(() => parseGetTokenArgs(args)).toThrow(CommanderError);
    expect(() => parseGetTokenArgs(args)).toThrow(message);
  });
});

describe('the cache-hit fast path reads flags exactly as commander does', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });
  const samples: [string[], Record<string, string>][] = [
    [required, {}],
    [[...required, '--oidc-extra-scope=email', '--oidc-extra-scope', 'profile groups,offline_access', '--listen-address=127.0.0.1:0'], {}],
    [
      [...required, '--oidc-auth-request-extra-params=prompt=consent,login_hint=a@b.c', '--oidc-request-header', 'Origin=http://localhost'],
      {},
    ],
    [
      [
        ...required,
        '--oidc-pkce-method=S256',
        '--token-cache-storage=disk',
        '--grant-type',
        'device-code',
        '--oidc-use-access-token',
        '--skip-open-browser',
      ],
      {},
    ],
    [
      [
        ...required,
        '--account=work',
        '--login-hint=bob',
        '--token-expiry-margin=30',
        '--login-cooldown',
        '0',
        '--authentication-timeout-sec=5',
      ],
      {},
    ],
    [
      [
        ...required,
        '--oidc-client-id=second',
        '--certificate-authority=/a.pem',
        '--certificate-authority=/b.pem',
        '--insecure-skip-tls-verify',
      ],
      {},
    ],
    [
      [],
      {
        KUBECTL_OIDC_ISSUER_URL: 'https://env.example',
        KUBECTL_OIDC_CLIENT_ID: 'env',
        KUBECTL_OIDC_EXTRA_SCOPE: 'email groups',
        KUBECTL_OIDC_SKIP_OPEN_BROWSER: '1',
        KUBECTL_OIDC_TOKEN_CACHE_DIR: '/tmp/c',
      },
    ],
    [['--oidc-client-id=argv'], { KUBECTL_OIDC_ISSUER_URL: 'https://env.example', KUBECTL_OIDC_CLIENT_ID: 'env', KUBECACHEDIR: '/tmp/kc' }],
  ];
  it.each(samples)('%j with %j', (args, env) => {
    Object.assign(process.env, env);
    expect(fastParseGetToken(args, process.env)).toEqual(parseGetTokenArgs(args));
  });
  it.each([
    [[...required, '--help']],
    [[...required, '-v']],
    [[...required, '--v=2']],
    [[...required, '--unknown']],
    [[...required, '--oidc-pkce-method=plain']],
    [[...required, '--listen-address=0.0.0.0']],
    [['--oidc-client-id=x']],
    [[...required, 'positional']],
    [[...required, '--', '--account=x']],
    [[...required, '--oidc-use-access-token=yes']],
    [[...required, '--account']],
    [[...required, '--account', '--force-refresh']],
  ])('hands %j to the full command line interface', (args) => {
    expect(fastParseGetToken(args, {})).toBeUndefined();
  });
});

describe('boolean environment variables mean what they say', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });
  const booleans = rowsOf('get-token').filter((row) => row.kind === 'boolean' && row.env !== false);
  /** The option's value in the typed options (a --no-x flag is read as x's negation). */
  const optionValue = (options: GetTokenOptions, row: (typeof booleans)[number]): unknown =>
    row.group === 'run'
      ? (options as unknown as Record<string, unknown>)[row.key]
      : (options[row.group as 'cache'] as Record<string, unknown>)[row.key];

  it.each(booleans.map((row) => [row.name, row]))('--%s from its variable, on the fast path and through commander', (_name, row) => {
    const variable = envName(row.name);
    for (const [text, meaning] of [
      ['true', true],
      ['1', true],
      ['YES', true],
      ['on', true],
      ['false', false],
      ['0', false],
      ['No', false],
      ['OFF', false],
      ['', false],
    ] as const) {
      const fast = fastParseGetToken(required, { [variable]: text });
      expect(fast && optionValue(fast, row), `${variable}=${text} (fast path)`).toBe(meaning);
      process.env = { ...saved, [variable]: text };
      expect(optionValue(parseGetTokenArgs(required), row), `${variable}=${text} (commander)`).toBe(meaning);
    }
    expect(fastParseGetToken(required, { [variable]: 'maybe' })).toBeUndefined(); // commander takes over and says why
    process.env = { ...saved, [variable]: 'maybe' };
    expect(() => parseGetTokenArgs(required)).toThrow(`${variable} must be true or false (or 1/0, yes/no, on/off), got "maybe"`);
  });
});
