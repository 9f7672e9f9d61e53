// npm run demo: a local IdP, a local HTTPS API server, and real kubectl logging in through this plugin.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApiServer } from '../test/support/apiserver.js';
import { makeCertificates } from '../test/support/certs.js';
import { findChromium } from '../test/support/chromium.mjs';
import { writeKubeconfig } from '../test/support/kubeconfig.js';
import { PLUGIN_BIN, writeBrowserCommand } from '../test/support/paths.js';
import { run } from '../test/support/run.js';

// The embedded IdP is oidc-provider in its development setup, which says so loudly on every start; the demo knows.
for (const method of ['warn', 'info'] as const) {
  const original = console[method];
  console[method] = (...args: unknown[]) => (String(args[0]).includes('oidc-provider ') ? undefined : original(...args));
}
const { startIdp, TEST_CLIENT_ID } = await import('../test/support/idp.js');

const kubectl = process.env.KUBECTL || 'kubectl';
const say = (text: string): void => void process.stderr.write(`\x1b[1m» ${text}\x1b[0m\n`);

const hasDisplay = (): boolean =>
  process.platform === 'darwin' || process.platform === 'win32' || Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);

const main = async (): Promise<number> => {
  if (spawnSync(kubectl, ['version', '--client'], { stdio: 'ignore' }).error) {
    say(`kubectl was not found (looked for "${kubectl}"): install kubectl or set KUBECTL=/path/to/kubectl`);
    return 1;
  }
  const work = mkdtempSync(join(tmpdir(), 'kubectl-oidc-demo-'));
  const certs = makeCertificates();
  const idp = await startIdp({ certs });
  const api = await startApiServer(certs, idp.issuer, TEST_CLIENT_ID);
  const cleanup = (): void => {
    rmSync(work, { recursive: true, force: true });
    rmSync(certs.dir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  try {
    const args = [
      'get-token',
      `--oidc-issuer-url=${idp.issuer}`,
      `--oidc-client-id=${TEST_CLIENT_ID}`,
      '--oidc-extra-scope=email,profile,groups,offline_access',
      `--certificate-authority=${certs.caFile}`,
      `--token-cache-dir=${join(work, 'cache')}`,
      '--token-cache-storage=disk', // a throwaway cache: no need to ask the OS keychain
    ];
    if (hasDisplay()) {
      say('your browser opens the demo IdP; it uses a self-signed certificate on 127.0.0.1, so accept the warning');
      say('sign in with any name and any password, then press Continue');
    } else if (findChromium()) {
      const login = process.env.USER && process.env.USER !== 'root' ? process.env.USER : 'jane';
      args.push(`--browser-command=${writeBrowserCommand(work, { DRIVER_LOGIN: login })}`);
      say(`no display here: headless Chromium signs in as "${login}" for you`);
    } else {
      args.push('--skip-open-browser');
      say('no display and no Chromium (apt-get install chromium): open the URL below in a browser on this machine');
    }
    const kubeconfig = join(work, 'kubeconfig');
    writeKubeconfig({ path: kubeconfig, server: api.url, caPem: certs.caPem, command: PLUGIN_BIN, args });
    say(`IdP ${idp.issuer}, API server ${api.url}, kubeconfig ${kubeconfig}`);

    for (const round of ['first run: logs in through the browser', 'second run: uses the cached token, no browser']) {
      say(`kubectl auth whoami  (${round})`);
      const result = await run(kubectl, ['auth', 'whoami', `--kubeconfig=${kubeconfig}`]);
      process.stderr.write(result.stderr);
      process.stdout.write(result.stdout);
      if (result.code !== 0) {
        say(`kubectl failed (exit ${result.code})`);
        return 1;
      }
      say(`done in ${Math.round(result.ms)} ms`);
    }
    say(
      `the IdP saw ${idp.counts.logins} browser login(s) and ` +
        `${idp.counts.grants.authorization_code ?? 0} code exchange(s) for 2 kubectl commands`,
    );
    return 0;
  } finally {
    await Promise.all([api.stop(), idp.stop()]);
    cleanup();
  }
};

process.exitCode = await main();
