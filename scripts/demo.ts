// npm run demo: a local IdP, a local HTTPS API server, and real kubectl logging in through this plugin.
//   --manual   open the login URL yourself (or use the device code), even where the demo could sign in for you
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApiServer } from '../test/support/apiserver.js';
import { makeCertificates } from '../test/support/certs.js';
import { findChromium } from '../test/support/chromium.mjs';
import { writeKubeconfig } from '../test/support/kubeconfig.js';
import { PLUGIN_BIN, writeBrowserCommand } from '../test/support/paths.js';
import '../test/support/quiet-provider.js';

const { startIdp, TEST_CLIENT_ID } = await import('../test/support/idp.js');

const kubectl = process.env.KUBECTL || 'kubectl';
const manual = process.argv.slice(2).includes('--manual');
const color = Boolean(process.stderr.isTTY) && !process.env.NO_COLOR;
const say = (text: string): void => void process.stderr.write(color ? `\x1b[1m» ${text}\x1b[0m\n` : `» ${text}\n`);

const hasDisplay = (): boolean =>
  process.platform === 'darwin' || process.platform === 'win32' || Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);

/** kubectl with the terminal's own stdout and stderr, so that the plugin's login URL and device code show at once. */
const kubectlRun = (args: string[]): Promise<{ code: number | null; ms: number }> =>
  new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(kubectl, args, { stdio: ['inherit', 'inherit', 'inherit'] });
    child.once('error', () => resolve({ code: 127, ms: performance.now() - started }));
    child.once('close', (code) => resolve({ code, ms: performance.now() - started }));
  });

/** Until Ctrl-C or SIGTERM: the IdP and the API server stay up for a retry by hand. */
const untilInterrupted = (): Promise<void> =>
  new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });

const main = async (): Promise<number> => {
  if (spawnSync(kubectl, ['version', '--client'], { stdio: 'ignore' }).error) {
    say(`kubectl was not found (looked for "${kubectl}"): install kubectl or set KUBECTL=/path/to/kubectl`);
    return 1;
  }
  const work = mkdtempSync(join(tmpdir(), 'kubectl-oidc-demo-'));
  const certs = makeCertificates();
  const idp = await startIdp({ certs });
  const api = await startApiServer(certs, idp.issuer, TEST_CLIENT_ID);
  // While kubectl runs, Ctrl-C reaches it and the plugin too (one process group): they end, and so does the demo.
  let interrupted = false;
  const onSignal = (): void => {
    interrupted = true;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
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
    const idpPort = new URL(idp.issuer).port;
    if (!manual && hasDisplay()) {
      say('your browser opens the demo IdP; it uses a self-signed certificate on 127.0.0.1, so accept the warning');
      say('sign in with any name and any password, then press Continue');
    } else if (!manual && findChromium()) {
      const login = process.env.USER && process.env.USER !== 'root' ? process.env.USER : 'jane';
      args.push(`--browser-command=${writeBrowserCommand(work, { DRIVER_LOGIN: login })}`);
      say(`no display here: headless Chromium signs in as "${login}" for you (npm run demo -- --manual to do it yourself)`);
    } else {
      // With a display the plugin would open a browser; without one it shows the device code beside the URL by itself.
      if (hasDisplay()) args.push('--skip-open-browser');
      say(
        'open the address kubectl-oidc prints below in a browser on this machine, or on yours through ' +
          `ssh -L 8000:127.0.0.1:8000 -L 18000:127.0.0.1:18000 -L ${idpPort}:127.0.0.1:${idpPort} ${hostname()}`,
      );
      say(
        'or enter the device code it shows; the IdP uses a self-signed certificate: accept the warning, sign in with any name and password',
      );
    }
    const kubeconfig = join(work, 'kubeconfig');
    writeKubeconfig({ path: kubeconfig, server: api.url, caPem: certs.caPem, command: PLUGIN_BIN, args });
    say(`IdP ${idp.issuer}, API server ${api.url}, kubeconfig ${kubeconfig}, plugin ${PLUGIN_BIN}`);

    const whoami = ['auth', 'whoami', `--kubeconfig=${kubeconfig}`];
    for (const round of ['first run: logs in through the browser', 'second run: uses the cached token, no browser']) {
      say(`kubectl auth whoami  (${round})`);
      const result = await kubectlRun(whoami);
      if (interrupted) return 130;
      if (result.code !== 0) {
        say(`kubectl failed (exit ${result.code}). The IdP and the API server stay up; retry with`);
        process.stderr.write(`\n    ${kubectl} ${whoami.join(' ')}\n\n`);
        say('Ctrl-C ends the demo');
        await untilInterrupted();
        return 1;
      }
      say(`done in ${Math.round(result.ms)} ms`);
    }
    say(
      `the IdP saw ${idp.counts.logins} login(s) and ` +
        `${idp.counts.grants.authorization_code ?? 0} code exchange(s) for 2 kubectl commands`,
    );
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await Promise.all([api.stop(), idp.stop()]);
    rmSync(work, { recursive: true, force: true });
    rmSync(certs.dir, { recursive: true, force: true });
  }
};

process.exitCode = await main();
