import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteKey, readKey, writeKey } from '../../src/keychain/keychain.js';
import { type SecretService, startSecretService } from '../support/keyring.js';
import { PLUGIN_BIN } from '../support/paths.js';
import { run } from '../support/run.js';
import { newWorkspace, parseWhoAmI, type Stack, startStack } from './harness.js';
import { e2eEnabled } from './requirements.js';

const enabled = e2eEnabled({ keyring: true });

describe.skipIf(!enabled)('the OS keychain (real Secret Service: gnome-keyring on a private D-Bus)', () => {
  let stack: Stack;
  let secrets: SecretService;
  beforeAll(async () => {
    stack = await startStack();
    secrets = await startSecretService();
  });
  afterAll(async () => {
    secrets?.stop();
    await stack?.stop();
  });

  it('seals a 16 KB ID token with a key from the keychain: no token on disk, cache hit through kubectl', async () => {
    const ws = newWorkspace(stack, { env: secrets.env, driverEnv: { DRIVER_LOGIN: 'groups-300' } });
    try {
      const first = await ws.kubectl();
      expect(first.code, first.stderr).toBe(0);
      expect(first.stderr).not.toContain('keychain is not available');
      expect(parseWhoAmI(first.stdout).groups).toHaveLength(303);

      const [session] = ws.sessionFiles();
      const text = readFileSync(join(ws.cacheDir, session!), 'utf8');
      expect(JSON.parse(text)).toMatchObject({ format: 'kubectl-oidc/session-sealed/v1', info: { subject: 'groups-300' } });

      const direct = await ws.plugin();
      expect(direct.code, direct.stderr).toBe(0);
      const token = (JSON.parse(direct.stdout) as { status: { token: string } }).status.token;
      expect(token.length).toBeGreaterThan(16_384);
      expect(text).not.toContain(token.split('.')[1]!.slice(0, 40));

      // The key comes straight over D-Bus (Diffie-Hellman-encrypted transfer), not from a secret-tool child process.
      const verbose = await ws.plugin(['-v']);
      expect(verbose.code, verbose.stderr).toBe(0);
      expect(verbose.stderr).toContain('read the session encryption key from the Secret Service over D-Bus');
      expect(JSON.parse(verbose.stdout).status.token).toBe(token);

      const logins = stack.idp.counts.logins;
      const hit = await ws.kubectl();
      expect(hit.code, hit.stderr).toBe(0);
      expect(parseWhoAmI(hit.stdout).username).toBe('groups-300@example.test');
      expect(stack.idp.counts.logins).toBe(logins);

      const status = await run(PLUGIN_BIN, ['status', `--token-cache-dir=${ws.cacheDir}`, '-o', 'json']);
      expect(JSON.parse(status.stdout)).toMatchObject({ sessions: [{ storage: 'keyring', info: { email: 'groups-300@example.test' } }] });
      expect(status.stdout).not.toContain(token.slice(0, 40));

      // Without the keychain's key the sealed file is useless: a session bus without it cannot read the session.
      const elsewhere = await ws.plugin(['--skip-open-browser', '--authentication-timeout-sec=1', '-v'], {
        DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent',
      });
      expect(elsewhere.stderr).toContain('the OS keychain is not available');
      expect(elsewhere.code).toBe(1);
    } finally {
      await ws.cleanup();
    }
  });

  it('a keychain that never answers (a locked keyring waiting for a prompt) costs 2 s, not a hang', async () => {
    // A session bus that accepts the connection and then says nothing, like a keyring waiting for its unlock prompt.
    const socketPath = join(mkdtempSync(join(tmpdir(), 'kubectl-oidc-bus-')), 'bus');
    const silentBus = createServer(() => undefined);
    await new Promise<void>((resolve) => silentBus.listen(socketPath, resolve));
    const ws = newWorkspace(stack, { env: { DBUS_SESSION_BUS_ADDRESS: `unix:path=${socketPath}` }, driverEnv: { DRIVER_LOGIN: 'ken' } });
    try {
      const result = await ws.plugin();
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toContain('the OS keychain is not available (the OS keychain did not answer within 2 s (locked?))');
      const again = await ws.plugin(['-v']);
      expect(again.code).toBe(0);
      expect(again.stderr).toMatch(/the OS keychain was unavailable \d+ s ago/); // not asked again for a while
    } finally {
      silentBus.close();
      await ws.cleanup();
    }
  });

  it('without D-Bus falls back to 0600 files with a notice shown once', async () => {
    const ws = newWorkspace(stack, { env: { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent' }, driverEnv: { DRIVER_LOGIN: 'judy' } });
    try {
      const first = await ws.plugin();
      expect(first.code, first.stderr).toBe(0);
      expect(first.stderr).toMatch(/kubectl-oidc: the OS keychain is not available \(.+\); keeping tokens in 0600 files in /);
      const [session] = ws.sessionFiles();
      expect(JSON.parse(readFileSync(join(ws.cacheDir, session!), 'utf8'))).toMatchObject({ format: 'kubectl-oidc/session/v1' });
      const second = await ws.plugin();
      expect(second.code, second.stderr).toBe(0);
      expect(second.stderr).toBe('');
    } finally {
      await ws.cleanup();
    }
  });

  it('reads, writes and deletes one item (the keychain room on its own)', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, secrets.env);
    try {
      const item = { service: 'kubectl-oidc-test', account: 'room', label: 'kubectl-oidc test item' };
      expect(await readKey(item)).toBeNull();
      await writeKey(item, 'first value');
      expect(await readKey(item)).toBe('first value'); // over D-Bus
      await writeKey(item, 'second value');
      expect(await readKey(item)).toBe('second value');
      await deleteKey(item);
      expect(await readKey(item)).toBeNull();
      process.env.DBUS_SESSION_BUS_ADDRESS = 'unix:path=/nonexistent';
      await expect(readKey(item)).rejects.toMatchObject({ code: 'keychain_unavailable' });
    } finally {
      process.env = saved;
    }
  });
});
