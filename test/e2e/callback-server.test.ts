import { readFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WEB_CLIENT_ID } from '../support/idp.js';
import { BROWSER_DRIVER, PLUGIN_BIN } from '../support/paths.js';
import { freePort, type Running, start } from '../support/process.js';
import { run } from '../support/run.js';
import { newWorkspace, startStack, useStack, type Workspace } from './harness.js';
import { e2eEnabled } from './requirements.js';

const enabled = e2eEnabled();

interface Answer {
  status: number;
  body: string;
  location: string | undefined;
}

const get = (port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> =>
  new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, location: res.headers.location }));
    });
    req.once('error', reject);
    req.end();
  });

interface PendingLogin {
  plugin: Running;
  authUrl: URL;
  port: number;
  state: string;
  host: Record<string, string>;
}

/** Starts get-token without a browser and reads the login URL it prints. */
const startLogin = async (ws: Workspace, listen = ['--listen-address=127.0.0.1:0']): Promise<PendingLogin> => {
  const own = ws.pluginArgs.filter((a) => !a.startsWith('--browser-command') && !a.startsWith('--listen-address'));
  const args = [...own, ...listen, '--skip-open-browser'];
  const plugin = start(PLUGIN_BIN, args, { ...process.env, HOME: ws.dir });
  const [, url] = await plugin.waitForStderr(/(https:\/\/\S+\/auth\?\S+)/);
  const authUrl = new URL(url!);
  const port = Number(new URL(authUrl.searchParams.get('redirect_uri')!).port);
  return { plugin, authUrl, port, state: authUrl.searchParams.get('state')!, host: { host: `localhost:${port}` } };
};

describe.skipIf(!enabled)('the loopback callback server', () => {
  const stack = useStack();

  it('turns away forged and garbage requests with an error page, then accepts the real callback', async () => {
    const ws = newWorkspace(stack);
    try {
      const { plugin, authUrl, port, state, host } = await startLogin(ws);

      const wrongState = await get(port, '/?state=forged&code=forged', host);
      expect(wrongState.status).toBe(400);
      expect(wrongState.body).toContain('This is not the login in progress');

      const wrongPath = await get(port, `/somewhere?state=${state}&code=forged`, host);
      expect(wrongPath.status).toBe(404);

      // A page on another site that makes the browser send the right state to us (DNS rebinding) is refused.
      const otherHost = await get(port, `/?state=${state}&code=forged`, { host: `evil.example:${port}` });
      expect(otherHost.status).toBe(400);
      expect(otherHost.body).toContain('unexpected Host header');

      const post = await get(port, `/?state=${state}&code=forged`, host, 'POST');
      expect(post.status).toBe(400);

      const huge = await get(port, `/?state=${state}&code=${'a'.repeat(20_000)}`, host);
      expect(huge.status).toBeGreaterThanOrEqual(400);

      const noCode = await get(port, `/?state=${state}`, host);
      expect(noCode.status).toBe(400);
      expect(noCode.body).not.toContain(state);

      // The short URL printed first (the server's root) leads to the login in progress, as kubelogin's does.
      expect(plugin.stderr()).toContain(
        `open this URL in your browser to log in:\n\n    http://localhost:${port}/\n\n  which leads to\n\n    https://`,
      );
      const short = await get(port, '/', host);
      expect(short.status).toBe(302);
      expect(short.location).toBe(authUrl.href);
      expect((await get(port, '/', { host: `evil.example:${port}` })).status).toBe(400);

      // Still waiting: the real login in the real browser completes in this same process.
      expect(plugin.child.exitCode).toBeNull();
      const driver = await run(process.execPath, [BROWSER_DRIVER, authUrl.href], {
        env: { ...process.env, DRIVER_LOGIN: 'erin' },
      });
      expect(driver.code, driver.stdout + driver.stderr).toBe(0);
      expect(await plugin.exited).toBe(0);
      const credential = JSON.parse(plugin.stdout()) as { status: { token: string } };
      const claims = JSON.parse(Buffer.from(credential.status.token.split('.')[1]!, 'base64url').toString()) as { sub: string };
      expect(claims.sub).toBe('erin');
      expect(stack.idp.counts.tokenErrors).toBe(0);
    } finally {
      await ws.cleanup();
    }
  });

  it('refuses a response whose iss names another issuer (RFC 9207), before any code is sent to the IdP', async () => {
    const ws = newWorkspace(stack);
    try {
      const { plugin, port, state, host } = await startLogin(ws);
      const grants = JSON.stringify(stack.idp.counts.grants);
      const mixUp = await get(port, `/?state=${state}&code=stolen&iss=${encodeURIComponent('https://evil.example')}`, host);
      expect(mixUp.body).toContain('Login failed');
      expect(await plugin.exited).toBe(1);
      expect(plugin.stderr().trimEnd().split('\n').at(-1)).toMatch(
        /^kubectl-oidc: the token request \(authorization_code grant\) failed: .*"iss"/,
      );
      expect(plugin.stdout()).toBe('');
      expect(JSON.stringify(stack.idp.counts.grants)).toBe(grants);
    } finally {
      await ws.cleanup();
    }
  });

  const completeLogin = async (plugin: Running, authUrl: URL, login: string): Promise<string> => {
    const driver = await run(process.execPath, [BROWSER_DRIVER, authUrl.href], { env: { ...process.env, DRIVER_LOGIN: login } });
    expect(driver.code, driver.stdout + driver.stderr).toBe(0);
    expect(await plugin.exited, plugin.stderr()).toBe(0);
    const credential = JSON.parse(plugin.stdout()) as { status: { token: string } };
    return (JSON.parse(Buffer.from(credential.status.token.split('.')[1]!, 'base64url').toString()) as { sub: string }).sub;
  };

  it("listens on 0.0.0.0 as kubelogin's container recipe does: says so, and the redirect URI stays localhost", async () => {
    const ws = newWorkspace(stack);
    try {
      const { plugin, authUrl, port } = await startLogin(ws, ['--listen-address=0.0.0.0:0']);
      expect(plugin.stderr()).toContain(`listening on 0.0.0.0:${port}: the login callback can be reached from the network`);
      expect(authUrl.searchParams.get('redirect_uri')).toBe(`http://localhost:${port}`);
      expect(await completeLogin(plugin, authUrl, 'olga')).toBe('olga');
    } finally {
      await ws.cleanup();
    }
  });

  it('serves the callback over HTTPS with --local-server-cert/--local-server-key (redirect URI https://localhost:<port>)', async () => {
    const port = await freePort();
    const tlsStack = await startStack({ webRedirectUris: [`https://localhost:${port}`] });
    const ws = newWorkspace(tlsStack);
    try {
      const { plugin, authUrl } = await startLogin(ws, [
        `--oidc-client-id=${WEB_CLIENT_ID}`,
        `--listen-address=127.0.0.1:${port}`,
        `--local-server-cert=${join(tlsStack.certs.dir, 'server.crt')}`,
        `--local-server-key=${join(tlsStack.certs.dir, 'server.key')}`,
      ]);
      expect(authUrl.searchParams.get('redirect_uri')).toBe(`https://localhost:${port}`);
      expect(plugin.stderr()).toContain(`open this URL in your browser to log in:\n\n    https://localhost:${port}/`);
      const plain = await get(port, '/', { host: `localhost:${port}` }).catch((err: NodeJS.ErrnoException) => ({
        status: 0,
        body: err.code,
      }));
      expect(plain.status, 'plain HTTP is not spoken there').not.toBe(302);
      expect(await completeLogin(plugin, authUrl, 'tess')).toBe('tess');
    } finally {
      await ws.cleanup();
      await tlsStack.stop();
    }
  });

  it('a --local-server-cert without its key is a usage error', async () => {
    const ws = newWorkspace(stack);
    try {
      const result = await run(PLUGIN_BIN, [...ws.pluginArgs, '--skip-open-browser', '--local-server-cert=/nonexistent.pem'], {
        env: { ...process.env, HOME: ws.dir },
      });
      expect(result.code).toBe(2);
      expect(result.stderr.trimEnd().split('\n').at(-1)).toBe('kubectl-oidc: --local-server-cert and --local-server-key go together');
    } finally {
      await ws.cleanup();
    }
  });

  it('--open-url-after-authentication sends the browser there once the login has worked', async () => {
    const seen: string[] = [];
    const after = createServer((req, res) => {
      seen.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'text/html' }).end('<title>After</title>');
    });
    await new Promise<void>((resolve) => after.listen(0, '127.0.0.1', resolve));
    const afterUrl = `http://127.0.0.1:${(after.address() as AddressInfo).port}/welcome`;
    const ws = newWorkspace(stack);
    try {
      const { plugin, authUrl } = await startLogin(ws, ['--listen-address=127.0.0.1:0', `--open-url-after-authentication=${afterUrl}`]);
      const driver = await run(process.execPath, [BROWSER_DRIVER, authUrl.href], {
        env: { ...process.env, DRIVER_LOGIN: 'fay', DRIVER_RESULT: join(ws.dir, 'after.json') },
      });
      expect(driver.code, driver.stdout + driver.stderr).toBe(0);
      expect(JSON.parse(readFileSync(join(ws.dir, 'after.json'), 'utf8'))).toMatchObject({
        status: 302,
        location: afterUrl,
        title: 'After',
      });
      expect(seen[0]).toBe('/welcome'); // (the browser may ask for /favicon.ico too)
      expect(await plugin.exited, plugin.stderr()).toBe(0);
    } finally {
      after.close();
      await ws.cleanup();
    }
  });
});
