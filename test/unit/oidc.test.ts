import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { exitCodeOf } from '../../src/cli/report.js';
import { formatError, PluginError } from '../../src/errors.js';
import { usesPkce } from '../../src/grants/authorization-code.js';
import { systemRoots } from '../../src/oidc/system-roots.js';
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

describe.runIf(process.platform === 'linux')('the OS trust store on Linux', () => {
  it("reads SSL_CERT_DIR as Go does: a certificate's hash link beside it once, through its own name; a link elsewhere read", () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubectl-oidc-certdir-'));
    try {
      const certs = join(dir, 'certs');
      const elsewhere = join(dir, 'share');
      mkdirSync(certs);
      mkdirSync(elsewhere);
      writeFileSync(join(certs, 'first.pem'), rootCertificates[0]!);
      symlinkSync('first.pem', join(certs, '1a2b3c4d.0')); // c_rehash's link beside it
      writeFileSync(join(elsewhere, 'second.crt'), rootCertificates[1]!);
      symlinkSync(join(elsewhere, 'second.crt'), join(certs, 'second.pem')); // as Debian links /usr/share/ca-certificates
      writeFileSync(join(dir, 'empty-bundle'), '');
      const log = { debug: () => undefined } as unknown as Parameters<typeof systemRoots>[1];
      const roots = systemRoots({ SSL_CERT_FILE: join(dir, 'empty-bundle'), SSL_CERT_DIR: certs }, log);
      expect(roots.map((pem) => pem.trim()).sort()).toEqual([rootCertificates[0]!, rootCertificates[1]!].map((pem) => pem.trim()).sort());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
