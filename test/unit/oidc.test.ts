import { describe, expect, it } from 'vitest';
import { exitCodeOf } from '../../src/cli/report.js';
import { formatError, PluginError } from '../../src/errors.js';
import { usesPkce } from '../../src/oidc/authorization-code.js';
import { scopeOf } from '../../src/oidc/token-request.js';

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
  it('formats one line and maps exit codes', () => {
    expect(formatError(new PluginError('timeout', 'no login', 'try again'))).toBe('kubectl-oidc: no login — try again');
    expect(formatError(new Error('multi\nline'))).toBe('kubectl-oidc: unexpected error: multi line (run with -v for details)');
    expect(exitCodeOf(new PluginError('usage', 'x'))).toBe(2);
    expect(exitCodeOf(new PluginError('interrupted', 'x'))).toBe(130);
    expect(exitCodeOf(new PluginError('timeout', 'x'))).toBe(1);
    expect(exitCodeOf(new Error('x'))).toBe(1);
  });
});
