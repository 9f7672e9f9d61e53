import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PASSWORD } from '../support/idp.js';
import { PLUGIN_BIN } from '../support/paths.js';
import { run } from '../support/run.js';
import { newWorkspace, PASSWORD_LOGIN, type Stack, startStack } from './harness.js';
import { e2eEnabled, KUBECTL } from './requirements.js';
import { expectTrustFromSystemBundle } from './system-bundle.js';

const enabled = e2eEnabled();

describe.skipIf(!enabled)('network settings', () => {
  let stack: Stack;
  let proxy: Server;
  let proxyUrl: string;
  const tunnels: string[] = [];
  beforeAll(async () => {
    stack = await startStack();
    // A real HTTP CONNECT proxy that records where it tunnels to.
    proxy = createServer((_req, res) => res.writeHead(405).end());
    proxy.on('connect', (req, socket, head) => {
      tunnels.push(req.url ?? '');
      const [host, port] = (req.url ?? '').split(':');
      const upstream = connect(Number(port), host, () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(socket);
        socket.pipe(upstream);
      });
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    proxy?.close();
    proxy?.closeAllConnections();
    await stack?.stop();
  });

  it('sends IdP requests through HTTPS_PROXY, and around it for NO_PROXY hosts', async () => {
    const ws = newWorkspace(stack, { driverEnv: { DRIVER_LOGIN: 'heidi' } });
    try {
      const idpHost = new URL(stack.idp.issuer).host;
      const login = await ws.plugin(); // the browser login, without a proxy
      expect(login.code, login.stderr).toBe(0);
      expect(tunnels).toEqual([]);
      // --force-refresh: discovery and the refresh grant, only the plugin's own requests.
      const proxied = await ws.plugin(['--force-refresh'], { HTTPS_PROXY: proxyUrl, NO_PROXY: '' });
      expect(proxied.code, proxied.stderr).toBe(0);
      expect(tunnels.length).toBeGreaterThanOrEqual(1);
      expect(new Set(tunnels)).toEqual(new Set([idpHost]));

      tunnels.length = 0;
      const direct = await ws.plugin(['--force-refresh'], { HTTPS_PROXY: proxyUrl, NO_PROXY: '127.0.0.1' });
      expect(direct.code, direct.stderr).toBe(0);
      expect(tunnels).toEqual([]);
    } finally {
      await ws.cleanup();
    }
  });

  it('trusts NODE_EXTRA_CA_CERTS, --certificate-authority-data or --insecure-skip-tls-verify, and says TLS error without any', async () => {
    const ws = newWorkspace(stack, { driverEnv: { DRIVER_LOGIN: 'nell' } });
    try {
      const args = ws.pluginArgs.filter((a) => !a.startsWith('--certificate-authority'));
      const result = await run(PLUGIN_BIN, args, { env: { ...ws.env, NODE_EXTRA_CA_CERTS: stack.certs.caFile } });
      expect(result.code, result.stderr).toBe(0);
      expect((await ws.driverResult()).heading).toBe('You are logged in');
      const untrusted = await run(PLUGIN_BIN, [...args, '--force-refresh'], { env: ws.env });
      expect(untrusted.code).toBe(1);
      expect(untrusted.stderr).toMatch(/TLS error talking to/);
      // Each of these is another session (the trust settings are part of its key), so each logs in once more.
      const caData = await run(PLUGIN_BIN, [...args, `--certificate-authority-data=${Buffer.from(stack.certs.caPem).toString('base64')}`], {
        env: ws.env,
      });
      expect(caData.code, caData.stderr).toBe(0);
      const insecure = await run(PLUGIN_BIN, [...args, '--insecure-skip-tls-verify'], { env: ws.env });
      expect(insecure.code, insecure.stderr).toBe(0);
    } finally {
      await ws.cleanup();
    }
  });

  it.skipIf(process.getuid?.() !== 0)(
    "trusts what the OS trusts: a CA only in the system bundle (bound over Debian's in a mount namespace), no flag, no variable",
    async () => {
      const ws = newWorkspace(stack, { extraArgs: PASSWORD_LOGIN, env: { KUBECTL_OIDC_PASSWORD: TEST_PASSWORD } });
      try {
        await expectTrustFromSystemBundle(stack, ws);
      } finally {
        await ws.cleanup();
      }
    },
  );

  it('says which ports it tried when none is free (the browser login: auto would use the device flow instead)', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    const ws = newWorkspace(stack, { extraArgs: [`--listen-address=127.0.0.1:${port}`] });
    try {
      const args = ws.pluginArgs.filter((a) => a !== '--listen-address=127.0.0.1:0').concat('--grant-type=authcode');
      const result = await run(PLUGIN_BIN, args);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr.trimEnd().split('\n').at(-1)).toBe(
        `kubectl-oidc: cannot listen for the login callback: 127.0.0.1:${port} (in use) — free one of these ports, or pass ` +
          `--listen-address 127.0.0.1:0 for any free port if the IdP accepts any loopback port`,
      );
    } finally {
      blocker.close();
      await ws.cleanup();
    }
  });

  it('runs as a kubectl plugin: `kubectl oidc get-token` with bin/ on the PATH', async () => {
    const ws = newWorkspace(stack, { driverEnv: { DRIVER_LOGIN: 'ivan' } });
    try {
      const binDir = PLUGIN_BIN.replace(/\/kubectl-oidc$/, '');
      const env = { ...process.env, HOME: ws.dir, PATH: `${binDir}:${process.env.PATH}` };
      const result = await run(KUBECTL, ['oidc', ...ws.pluginArgs], { env });
      expect(result.code, result.stderr).toBe(0);
      const credential = JSON.parse(result.stdout) as { kind: string; status: { token: string } };
      expect(credential.kind).toBe('ExecCredential');
      const claims = JSON.parse(Buffer.from(credential.status.token.split('.')[1]!, 'base64url').toString()) as { sub: string };
      expect(claims.sub).toBe('ivan');
    } finally {
      await ws.cleanup();
    }
  });
});
