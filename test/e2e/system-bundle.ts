import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { PLUGIN_BIN } from '../support/paths.js';
import { run } from '../support/run.js';
import type { Stack, Workspace } from './harness.js';

/** Debian's bundle: the OpenSSL store on Linux, and where Wine's crypt32 finds the roots it serves as Windows'. */
const SYSTEM_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

/**
 * The plugin reaches the IdP with its CA only in the system bundle (a copy with it bound over Debian's, in a private
 * mount namespace: root only), and no flag or variable naming it; without the bind, a TLS error.
 */
export const expectTrustFromSystemBundle = async (stack: Stack, ws: Workspace): Promise<void> => {
  const bundle = join(ws.dir, 'ca-certificates.crt');
  writeFileSync(bundle, `${readFileSync(SYSTEM_BUNDLE, 'utf8')}\n${stack.certs.caPem}`);
  const args = ws.pluginArgs.filter((a) => !a.startsWith('--certificate-authority'));
  const { NODE_EXTRA_CA_CERTS: _, SSL_CERT_FILE: __, SSL_CERT_DIR: ___, ...env } = ws.env;
  const inNamespace = (bind: boolean) =>
    run(
      'unshare',
      ['--mount', 'sh', '-c', `${bind ? `mount --bind ${bundle} ${SYSTEM_BUNDLE} || exit 90; ` : ''}exec "$@"`, 'sh', PLUGIN_BIN, ...args],
      { env },
    );
  const without = await inNamespace(false);
  expect(without.code).toBe(1);
  expect(without.stderr).toMatch(/TLS error talking to/);
  const trusted = await inNamespace(true);
  expect(trusted.code, trusted.stderr).toBe(0);
  expect(JSON.parse(trusted.stdout).status.token).toBeTruthy();
};
