import { describe, expect, it } from 'vitest';
import { exitCodeOf } from '../../src/cli/report.js';
import { formatError, PluginError } from '../../src/errors.js';
import { translateError } from '../../src/oidc/errors.js';
import { scopeOf, usesPkce } from '../../src/oidc/tokens.js';

describe('PKCE and scopes', () => {
  it('uses S256 unless disabled or the IdP lists methods without it', () => {
    expect(usesPkce('auto', undefined)).toBe(true); // Entra ID omits the field but supports S256
    expect(usesPkce('auto', ['S256', 'plain'])).toBe(true);
    expect(usesPkce('auto', ['plain'])).toBe(false);
    expect(usesPkce('S256', ['plain'])).toBe(true);
    expect(usesPkce('no', ['S256'])).toBe(false);
  });

  it('always asks for openid, once', () => {
    expect(scopeOf([])).toBe('openid');
    expect(scopeOf(['email', 'openid', 'groups', 'email'])).toBe('openid email groups');
  });
});

describe('errors', () => {
  const fetchFailed = (code: string): Error => new TypeError('fetch failed', { cause: Object.assign(new Error(code), { code }) });

  it('names network and TLS failures with what to do', () => {
    const refused = translateError(fetchFailed('ECONNREFUSED'), 'OpenID discovery', 'https://idp.example/x');
    expect(refused.code).toBe('issuer_unreachable');
    expect(refused.message).toBe('OpenID discovery failed: cannot reach https://idp.example (ECONNREFUSED)');
    const tls = translateError(fetchFailed('SELF_SIGNED_CERT_IN_CHAIN'), 'OpenID discovery', 'https://idp.example');
    expect(tls.code).toBe('tls');
    expect(tls.hint).toContain('--certificate-authority');
  });

  it('says which host did not answer in time, also when openid-client wraps the timeout', () => {
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    const wrapped = Object.assign(new Error('operation timed out', { cause: timeout }), { code: 'OAUTH_TIMEOUT' });
    for (const err of [timeout, wrapped]) {
      const translated = translateError(err, 'OpenID discovery', 'https://idp.example/.well-known/openid-configuration');
      expect(translated.code).toBe('issuer_unreachable');
      expect(translated.message).toBe('OpenID discovery failed: https://idp.example did not answer in time');
    }
  });

  it('reports an OAuth error answer and recognises redirect URI problems', () => {
    const answer = Object.assign(new Error('server responded with an error'), { error: 'invalid_grant', error_description: 'redirect_uri\nmismatch' });
    const translated = translateError(answer, 'the code exchange', 'https://idp.example/token');
    expect(translated.code).toBe('redirect_uri_mismatch');
    expect(translated.message).toBe('the code exchange failed: the IdP answered invalid_grant: redirect_uri mismatch');
  });

  it('formats one line and maps exit codes', () => {
    expect(formatError(new PluginError('timeout', 'no login', 'try again'))).toBe('kubectl-oidc: no login — try again');
    expect(formatError(new Error('multi\nline'))).toBe('kubectl-oidc: unexpected error: multi line (run with -v for details)');
    expect(exitCodeOf(new PluginError('usage', 'x'))).toBe(2);
    expect(exitCodeOf(new PluginError('interrupted', 'x'))).toBe(130);
    expect(exitCodeOf(new PluginError('timeout', 'x'))).toBe(1);
    expect(exitCodeOf(new Error('x'))).toBe(1);
  });
});
