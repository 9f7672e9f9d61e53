import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
const ex = promisify(execFile);
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../test/support/quiet-provider.js';
const { makeCertificates } = await import('../test/support/certs.js');
const { startIdp, TEST_CLIENT_ID, TEST_PASSWORD } = await import('../test/support/idp.js');
const { REPO_ROOT } = await import('../test/support/paths.js');
const dir = mkdtempSync(join(tmpdir(), 'miss-'));
const certs = await makeCertificates(dir);
const idp = await startIdp({ certs });
const args = ['get-token', `--oidc-issuer-url=${idp.issuer}`, `--oidc-client-id=${TEST_CLIENT_ID}`, `--certificate-authority=${certs.caFile}`,
  `--token-cache-dir=${join(dir, 'cache')}`, '--token-cache-storage=disk', '--grant-type=password', '--username=pat', '--oidc-extra-scope=offline_access'];
const env = { ...process.env, KUBECTL_OIDC_PASSWORD: TEST_PASSWORD };
delete env.NODE_EXTRA_CA_CERTS;
const variants = (process.env.VARIANTS ?? 'plain').split(',');
const cmd = (v: string): string[] => v === 'plain' ? ['node', join(REPO_ROOT, 'bin/kubectl-oidc')] : ['node', ...v.split(' '), join(REPO_ROOT, 'bin/kubectl-oidc')];
idp.setQuirks({ staleIdTokens: true });
await ex(cmd('plain')[0]!, [...cmd('plain').slice(1), ...args], { env });
idp.setQuirks({ staleIdTokens: true });
const N = Number(process.env.N ?? 20);
const tot: Record<string, number> = {};
// stderr is captured by time; rerun with spawnSync to read it
for (let i = 0; i < N; i++) for (const v of variants) {
  const c = cmd(v);
  const r = await ex('/usr/bin/time', ['-f', '%U %S', c[0]!, ...c.slice(1), ...args], { env, encoding: 'utf8' });
  const [u, s] = r.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
  tot[v] = (tot[v] ?? 0) + u! + s!;
}
for (const v of variants) console.log(`${v}: ${(tot[v]! / N * 1000).toFixed(0)} ms CPU per refresh miss`);
await idp.close?.();
process.exit(0);
