// The smoke a release runs on each OS (.github/workflows/release.yml runs it on macOS and Windows runners, which this
// machine is not): a compiled executable logs in at the test IdP with the password grant, keeps the session in the OS
// keychain, serves a second call from its cache without asking the IdP, and logs out.
//   node --import tsx scripts/release-smoke.ts <executable> <os>/<arch>
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../test/support/quiet-provider.js';

const { makeCertificates } = await import('../test/support/certs.js');
const { startIdp, TEST_CLIENT_ID, TEST_PASSWORD } = await import('../test/support/idp.js');
const { run } = await import('../test/support/run.js');

const [executable, platform] = process.argv.slice(2);
if (!executable || !platform) throw new Error('usage: release-smoke.ts <executable> <os>/<arch>');
const say = (text: string): void => void process.stdout.write(`smoke: ${text}\n`);
const fail = (text: string): never => {
  throw new Error(`smoke: ${text}`);
};

/** Runs the executable (without blocking this process, which is the IdP too); its stdout, or a failure with its stderr. */
const plugin = async (args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> => {
  const result = await run(executable, args, { env });
  if (result.code !== 0) fail(`${args[0]} exited ${result.code}: ${result.stderr.trim()}`);
  process.stderr.write(result.stderr);
  return result.stdout;
};

const version = (await plugin(['--version'])).trim();
if (!version.endsWith(`(${platform})`)) fail(`--version says "${version}", not a build for ${platform}`);
say(`--version: ${version}`);

const certs = makeCertificates();
const idp = await startIdp({ certs });
const home = mkdtempSync(join(tmpdir(), 'kubectl-oidc-smoke-'));
try {
  const env = { ...process.env, HOME: home, USERPROFILE: home, KUBECTL_OIDC_PASSWORD: TEST_PASSWORD };
  const args = [
    'get-token',
    `--oidc-issuer-url=${idp.issuer}`,
    `--oidc-client-id=${TEST_CLIENT_ID}`,
    '--oidc-extra-scope=email',
    `--certificate-authority=${certs.caFile}`,
    `--token-cache-dir=${join(home, 'cache')}`,
    '--token-cache-storage=keyring',
    '--grant-type=password',
    '--username=smoke',
  ];
  const token = (stdout: string): string => (JSON.parse(stdout) as { status: { token: string } }).status.token;
  const first = await plugin(args, env);
  say(`logged in with the password grant (${idp.counts.requests} IdP requests)`);
  const requests = idp.counts.requests;
  const second = await plugin(args, env);
  if (token(second) !== token(first)) fail('the second call did not serve the cached credential');
  if (idp.counts.requests !== requests) fail(`the second call asked the IdP (${idp.counts.requests - requests} requests)`);
  say('the second call came from the cache, without the IdP');
  const status = await plugin(['status', `--token-cache-dir=${join(home, 'cache')}`], env);
  process.stdout.write(status);
  // macOS Keychain and Windows Credential Manager are always there on a desktop or a CI runner: the session must be in it.
  if (!platform.startsWith('linux/') && !/\skeyring\s*$/m.test(status)) fail('the session is not kept with the OS keychain');
  await plugin(['logout', ...args.slice(1).filter((arg) => !arg.startsWith('--grant-type') && !arg.startsWith('--username'))], env);
  say('logged out');
} finally {
  await idp.stop();
  rmSync(home, { recursive: true, force: true });
  rmSync(certs.dir, { recursive: true, force: true });
}
