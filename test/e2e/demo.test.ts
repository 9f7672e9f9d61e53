import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BROWSER_DRIVER, REPO_ROOT } from '../support/paths.js';
import { run } from '../support/run.js';
import { startTerminal } from '../support/terminal.js';
import { e2eEnabled, tmuxAvailable } from './requirements.js';

const enabled = e2eEnabled();
const tmux = tmuxAvailable(enabled);

describe.skipIf(!enabled)('npm run demo', () => {
  it('without a display or a browser of its own: the login URL and device code show at once; a login from the URL completes it', async () => {
    // --manual: the demo does not sign in with Chromium itself; a person opens the printed URL (here, the test's browser).
    const demo = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'scripts/demo.ts'), '--manual'], {
      cwd: REPO_ROOT,
      env: { ...process.env, DISPLAY: '', WAYLAND_DISPLAY: '', BROWSER: '', NO_COLOR: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    demo.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    const exited = new Promise<number | null>((resolve) => demo.once('close', resolve));
    try {
      // While kubectl still waits for the login, its plugin's lines are already there (not collected until it exits).
      const url = await new Promise<string>((resolve, reject) => {
        demo.stderr.setEncoding('utf8').on('data', (chunk: string) => {
          stderr += chunk;
          const found = stderr.match(/which leads to\s+(https:\/\/127\.0\.0\.1:\d+\/\S+)/);
          if (found && /enter the code\s+\S+/.test(stderr)) resolve(found[1]!);
        });
        void exited.then((code) => reject(new Error(`the demo exited (${code}) before showing a URL:\n${stderr}`)));
      });
      const login = await run(process.execPath, [BROWSER_DRIVER, url], { env: { ...process.env, DRIVER_LOGIN: 'dana' } });
      expect(login.code, login.stderr).toBe(0);
      expect(await exited, stderr).toBe(0);
    } finally {
      demo.kill('SIGTERM');
    }
    expect(stdout).toContain('dana@example.test');
    // The demo's kubeconfig takes the default ports (8000, else 18000, if another run holds 8000): the line names the one.
    expect(stderr).toMatch(/ssh -L (8000|18000):127\.0\.0\.1:\1 /);
    expect(stderr).toContain('the IdP saw 1 login(s) and 1 code exchange(s) for 2 kubectl commands');
    expect(stderr).not.toContain('\x1b['); // a pipe gets no colour
  });

  it.skipIf(!tmux)(
    'at a terminal, after a login that timed out: no second login for the same kubectl command; the retry command, the IdP kept up',
    async () => {
      // KUBECTL_OIDC_AUTHENTICATION_TIMEOUT_SEC reaches the plugin through kubectl: nobody logs in, so the login times out.
      const environment = 'DISPLAY= WAYLAND_DISPLAY= BROWSER= NO_COLOR=1 KUBECTL_OIDC_AUTHENTICATION_TIMEOUT_SEC=3';
      const command = `cd '${REPO_ROOT}' && env ${environment} '${process.execPath}' --import tsx scripts/demo.ts --manual`;
      const terminal = startTerminal(`sh -c "${command}"`, 200, 60);
      try {
        await terminal.shows(/Ctrl-C ends the demo/);
        const screen = terminal.screen();
        // kubectl ran the plugin twice, as it does after a failure: one login, and a second run that ended at once.
        expect(screen.match(/^kubectl-oidc: no login completed within 3 s/gm)).toHaveLength(1);
        expect(screen.match(/not starting another for the same command/g)).toHaveLength(1);
        expect(screen).toMatch(/The IdP and the API server stay up; retry with\s+\S*kubectl auth whoami --kubeconfig=\S+/);
        expect(screen).not.toMatch(/second run: uses the cached token/);
        terminal.keys('C-c');
        await terminal.ended();
      } finally {
        terminal.close();
      }
    },
  );
});
