import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BROWSER_DRIVER, REPO_ROOT } from '../support/paths.js';
import { run } from '../support/run.js';
import { e2eEnabled } from './requirements.js';

const enabled = e2eEnabled();

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
    expect(stderr).toMatch(/ssh -L 8000:127\.0\.0\.1:8000 /);
    expect(stderr).toContain('the IdP saw 1 login(s) and 1 code exchange(s) for 2 kubectl commands');
    expect(stderr).not.toContain('\x1b['); // a pipe gets no colour
  });
});
