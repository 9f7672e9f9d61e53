import { CommanderError } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { parseGetTokenArgs } from '../../src/cli/options.js';
import { hitDirs } from '../../src/hit/node-hit.js';
import { redirectTarget } from '../../src/loopback/redirect.js';
import { kubeconfigArgs } from '../../src/options/kubeconfig-args.js';
import { fastParseGetToken } from '../../src/options/parse.js';
import { sessionKey } from '../../src/session/key.js';

// kubelogin's get-token flags that kubeconfigs carry under names of their own (its docs/usage.md and cmd tests):
// each parses, means what it means there, and setup prints it under our canonical name.
const required = ['--oidc-issuer-url=https://idp.example', '--oidc-client-id=kubectl'];
const both = (args: string[]) => {
  const options = parseGetTokenArgs([...required, ...args]);
  expect(fastParseGetToken([...required, ...args], {}), 'the cache-hit parser reads it the same').toEqual(options);
  return options;
};

describe("kubelogin's own flags", () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('~ and ~/… in path flags and their variables are the home directory, as in kubelogin; the cache-hit parser agrees', () => {
    process.env.HOME = '/home/kim';
    const options = both([
      '--certificate-authority=~/ca.pem',
      '--token-cache-dir=~/.kube/cache/oidc',
      '--local-server-cert',
      '~/tls/cert.pem',
      '--local-server-key=~/tls/key.pem',
    ]);
    expect(options.provider.certificateAuthorityFiles).toEqual(['/home/kim/ca.pem']);
    expect(options.cache.tokenCacheDir).toBe('/home/kim/.kube/cache/oidc');
    expect(options.login.localServerCert).toBe('/home/kim/tls/cert.pem');
    expect(options.login.localServerKey).toBe('/home/kim/tls/key.pem');
    process.env.KUBECTL_OIDC_TOKEN_CACHE_DIR = '~';
    expect(parseGetTokenArgs(required).cache.tokenCacheDir).toBe('/home/kim');
    expect(fastParseGetToken(required, process.env)?.cache.tokenCacheDir).toBe('/home/kim');
    delete process.env.KUBECTL_OIDC_TOKEN_CACHE_DIR;
    // Not a path flag, or not at the start: as written.
    expect(both(['--oidc-extra-scope=~x', '--token-cache-dir=/a/~/b']).cache.tokenCacheDir).toBe('/a/~/b');
    expect(hitDirs(['get-token', '--token-cache-dir=~/kc'], { HOME: '/home/kim' })).toEqual(['/home/kim/kc']);
  });

  it("-v=N and klog's logging flags (both spellings, with or without a value) parse; they do not change the session", () => {
    const plain = parseGetTokenArgs(required);
    const klog = [
      '-v=1',
      '--logtostderr',
      '--alsologtostderr=false',
      '--log_dir',
      '/tmp/logs',
      '--log-file=/tmp/log',
      '--vmodule=oidc=4',
      '--stderrthreshold=INFO',
      '--skip_headers=true',
    ];
    const options = parseGetTokenArgs([...required, ...klog]);
    expect(options.verbose).toBe(1);
    expect(parseGetTokenArgs([...required, '-v=9']).verbose).toBe(9);
    expect(sessionKey(options)).toBe(sessionKey(plain));
    expect(kubeconfigArgs(options).args.join(' ')).not.toMatch(/log|vmodule|stderrthreshold|skip_headers/);
    expect(() => parseGetTokenArgs([...required, '--log-dirr=x'])).toThrow(/unknown option '--log-dirr=x'/);
    // The cache-hit parser skips them too, so such a kubeconfig's hits need no commander.
    expect(both(['--logtostderr', '--log_dir', '/tmp/logs', '--vmodule=oidc=4'])).toEqual(plain);
  });

  it('--oidc-use-pkce forces PKCE, the same session as --oidc-pkce-method=S256', () => {
    const options = both(['--oidc-use-pkce']);
    expect(options.login.pkceMethod).toBe('S256');
    expect(sessionKey(options)).toBe(sessionKey(both(['--oidc-pkce-method=S256'])));
    expect(kubeconfigArgs(options).args).toContain('--oidc-pkce-method=S256');
    expect(kubeconfigArgs(options).args.join(' ')).not.toContain('--oidc-use-pkce');
  });

  it('--listen-port replaces --listen-address with 127.0.0.1:<port>, as in kubelogin', () => {
    const options = both(['--listen-port', '10080', '--listen-port=20080', '--listen-address=127.0.0.1:30080']);
    expect(options.login.listenAddresses).toEqual(['127.0.0.1:10080', '127.0.0.1:20080']);
    expect(() => parseGetTokenArgs([...required, '--listen-port=eighty'])).toThrow(/--listen-address "127.0.0.1:eighty" is not host:port/);
  });

  it('--oidc-redirect-url-hostname names the host of the redirect URI (default localhost)', () => {
    expect(both([]).login.redirectHostname).toBe('localhost');
    const options = both(['--oidc-redirect-url-hostname=127.0.0.1']);
    expect(redirectTarget(options.login.redirectUrl, 8000, options.login.redirectHostname)).toMatchObject({
      redirectUri: 'http://127.0.0.1:8000',
      path: '/',
    });
    expect(kubeconfigArgs(options).args).toContain('--oidc-redirect-url-hostname=127.0.0.1');
  });

  it('--no-keyring, --force-keyring and --token-cache-storage=auto choose the storage', () => {
    expect(both(['--no-keyring']).cache.tokenCacheStorage).toBe('disk');
    expect(both(['--force-keyring']).cache.tokenCacheStorage).toBe('keyring');
    expect(both(['--token-cache-storage=auto']).cache.tokenCacheStorage).toBe('auto');
    expect(kubeconfigArgs(both(['--no-keyring'])).args).toContain('--token-cache-storage=disk');
  });

  it('--tls-renegotiation-once and --tls-renegotiation-freely are accepted', () => {
    expect(both(['--tls-renegotiation-once']).provider.tlsRenegotiationOnce).toBe(true);
    expect(both(['--tls-renegotiation-freely']).provider.tlsRenegotiationFreely).toBe(true);
  });

  it("the --token-exchange-* flags: kubelogin's names, the targets tell sessions apart, the tokens never print as arguments", () => {
    const args = [
      '--grant-type=token-exchange',
      '--token-exchange-resource=https://foo.example.com',
      '--token-exchange-resource=https://bar.example.com',
      '--token-exchange-audience=foo',
      '--token-exchange-audience=bar',
      '--token-exchange-subject-token=sub',
      '--token-exchange-subject-token-type=sub-type',
      '--token-exchange-requested-token-type=req-type',
      '--token-exchange-actor-token=act',
      '--token-exchange-actor-token-type=act-type',
      '--token-exchange-basic-auth',
    ];
    const options = both(args);
    expect(options.login).toMatchObject({
      grantType: 'token-exchange',
      tokenExchangeResources: ['https://foo.example.com', 'https://bar.example.com'],
      tokenExchangeAudiences: ['foo', 'bar'],
      tokenExchangeSubjectToken: 'sub',
      tokenExchangeSubjectTokenType: 'sub-type',
      tokenExchangeRequestedTokenType: 'req-type',
      tokenExchangeActorToken: 'act',
      tokenExchangeActorTokenType: 'act-type',
    });
    expect(sessionKey(options)).not.toBe(sessionKey(both(args.filter((a) => !a.startsWith('--token-exchange-audience')))));
    const printed = kubeconfigArgs(options);
    expect(printed.args.join(' ')).not.toMatch(/subject-token=|actor-token=/);
    expect(printed.env.map((e) => e.name).sort()).toEqual([
      'KUBECTL_OIDC_TOKEN_EXCHANGE_ACTOR_TOKEN',
      'KUBECTL_OIDC_TOKEN_EXCHANGE_SUBJECT_TOKEN',
    ]);
  });

  it("every get-token flag of kubelogin's docs and sources since v1.25 parses, in one command line", () => {
    const kubelogin = [
      '--oidc-issuer-url=https://idp.example',
      '--oidc-client-id=kubectl',
      '--oidc-client-secret=s',
      '--oidc-extra-scope=email',
      '--oidc-use-access-token',
      '--force-refresh',
      '--token-cache-dir=/tmp/oidc-login',
      '--token-cache-storage=disk',
      '--certificate-authority=/ca.pem',
      '--certificate-authority-data=Zm9v',
      '--insecure-skip-tls-verify',
      '--tls-renegotiation-once',
      '--tls-renegotiation-freely',
      '--oidc-pkce-method=S256',
      '--oidc-use-pkce',
      '--grant-type=authcode',
      '--listen-address=127.0.0.1:8000',
      '--listen-port=18000',
      '--skip-open-browser',
      '--browser-command=firefox',
      '--authentication-timeout-sec=60',
      '--local-server-cert=/c.pem',
      '--local-server-key=/k.pem',
      '--open-url-after-authentication=https://example.com/ok',
      '--oidc-redirect-url=http://localhost:8000',
      '--oidc-redirect-url-hostname=localhost',
      '--oidc-redirect-url-authcode-keyboard=urn:ietf:wg:oauth:2.0:oob',
      '--oidc-auth-request-extra-params=ttl=86400',
      '--username=u',
      '--password=p',
      '--force-keyring',
      '--no-keyring',
      '--token-exchange-resource=https://r',
      '--token-exchange-audience=a',
      '--token-exchange-subject-token=t',
      '--token-exchange-subject-token-type=st',
      '--token-exchange-requested-token-type=rt',
      '--token-exchange-actor-token=at',
      '--token-exchange-actor-token-type=att',
      '--token-exchange-basic-auth',
    ];
    const options = parseGetTokenArgs(kubelogin);
    expect(fastParseGetToken(kubelogin, {})).toEqual(options);
    expect(options.login).toMatchObject({ grantType: 'authcode', listenAddresses: ['127.0.0.1:18000'], localServerCert: '/c.pem' });
    expect(() => parseGetTokenArgs([...kubelogin, '-v', '--v=2'])).not.toThrow();
  });

  it('a whole kubelogin get-token command line of these flags parses', () => {
    const args = [
      '--oidc-extra-scope=email',
      '--oidc-use-pkce',
      '--listen-port=8000',
      '--oidc-redirect-url-hostname=localhost',
      '--skip-open-browser',
      '--authentication-timeout-sec=60',
      '--no-keyring',
      '--tls-renegotiation-once',
      '--token-cache-dir=/tmp/oidc-login',
      '--grant-type=authcode',
      '--username=u',
    ];
    expect(() => both(args)).not.toThrow(CommanderError);
  });
});
