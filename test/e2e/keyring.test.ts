import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteKey, readKey, writeKey } from '../../src/keychain/keychain.js';
import { recordingLogger } from '../support/ambient.js';
import { TEST_PASSWORD } from '../support/idp.js';
import { type SecretService, startSecretService } from '../support/keyring.js';
import { FAKE_NODE_STATUS, PLUGIN_BIN, PLUGIN_IS_EXECUTABLE, REPO_ROOT, writeTestLauncher } from '../support/paths.js';
import { run } from '../support/run.js';
import { newWorkspace, PASSWORD_LOGIN, parseWhoAmI, type Stack, startStack } from './harness.js';
import { e2eEnabled } from './requirements.js';

const enabled = e2eEnabled({ keyring: true });
const INTERACTIVE = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', spec: { interactive: true } });

/** Deletes a keychain item of this Secret Service (the keychain module reads the bus from the environment). */
const deleteKeyIn = async (secrets: SecretService, item: Parameters<typeof deleteKey>[0]): Promise<void> => {
  const saved = process.env.DBUS_SESSION_BUS_ADDRESS;
  process.env.DBUS_SESSION_BUS_ADDRESS = secrets.env.DBUS_SESSION_BUS_ADDRESS;
  try {
    await deleteKey(item);
  } finally {
    process.env.DBUS_SESSION_BUS_ADDRESS = saved;
  }
};

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
  /**
   * As after a reboot or a new login: the per-user tmpfs, and the hit files on it, are gone, so a run has to ask the
   * keychain. (While they are there, a fresh credential is served from them, by the launcher and by Node alike.)
   */
  const emptyRuntimeDir = (): void => rmSync(join(secrets.env.XDG_RUNTIME_DIR!, 'kubectl-oidc'), { recursive: true, force: true });

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

      // A sealed session and no keychain to open it (another session bus): nothing is read, written or downgraded to a
      // plain file, and no login is started from a run without a terminal.
      const sealed = readFileSync(join(ws.cacheDir, session!), 'utf8');
      const authorizations = stack.idp.counts.authorization;
      emptyRuntimeDir();
      const elsewhere = await ws.plugin([], { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent' });
      expect(elsewhere.code).toBe(1);
      expect(elsewhere.stderr.trimEnd().split('\n').at(-1)).toMatch(
        /^kubectl-oidc: the OS keychain is not reachable \(.+\); the sealed sessions in \S+ are left as they are — unlock the keyring/,
      );
      expect(readFileSync(join(ws.cacheDir, session!), 'utf8')).toBe(sealed);
      expect(stack.idp.counts.authorization).toBe(authorizations);
    } finally {
      await ws.cleanup();
    }
  });

  it('a keychain that never answers: 2 s, one line and exit 1 without a terminal; a login without caching with one', async () => {
    // A session bus that accepts the connection and then says nothing, like a keyring waiting for its unlock prompt.
    const socketPath = join(mkdtempSync(join(tmpdir(), 'kubectl-oidc-bus-')), 'bus');
    let connections = 0;
    const silentBus = createServer(() => {
      connections++;
    });
    await new Promise<void>((resolve) => silentBus.listen(socketPath, resolve));
    const ws = newWorkspace(stack, { env: { DBUS_SESSION_BUS_ADDRESS: `unix:path=${socketPath}` }, driverEnv: { DRIVER_LOGIN: 'ken' } });
    try {
      const started = performance.now();
      const background = await ws.plugin();
      const ms = Math.round(performance.now() - started);
      expect(background.code).toBe(1);
      expect(background.stderr.trimEnd().split('\n').at(-1)).toMatch(
        /^kubectl-oidc: the OS keychain did not answer within 2 s \(locked, or waiting for an unlock prompt\); the sealed sessions/,
      );
      expect(connections).toBe(1); // asked once: one 2 s wait, not one per attempt
      const person = await ws.plugin([], { KUBERNETES_EXEC_INFO: INTERACTIVE });
      expect(person.code, person.stderr).toBe(0);
      expect(person.stderr).toContain('logging in, without caching this token');
      expect(ws.sessionFiles()).toEqual([]);
      // No marker sticks: the next run asks the keychain again.
      expect(existsSync(join(ws.cacheDir, '.keychain-unavailable'))).toBe(false);
      console.log(`a silent keychain: exit 1 after ${ms} ms`);
    } finally {
      silentBus.close();
      await ws.cleanup();
    }
  });

  it('a locked collection: sessions untouched, no browser from the background, a terminal may log in; unlocked, the hit is back', async () => {
    const ws = newWorkspace(stack, { env: secrets.env, driverEnv: { DRIVER_LOGIN: 'lena' } });
    let locked = false;
    try {
      const first = await ws.plugin();
      expect(first.code, first.stderr).toBe(0);
      const token = JSON.parse(first.stdout).status.token as string;
      const [session] = ws.sessionFiles();
      const sealed = readFileSync(join(ws.cacheDir, session!), 'utf8');
      await secrets.lock();
      locked = true;
      // The screen locked, the login session goes on: the hit file on the tmpfs still answers, without the keychain.
      const whileLocked = await ws.plugin();
      expect(whileLocked.code, whileLocked.stderr).toBe(0);
      expect(whileLocked.stdout).toBe(first.stdout);
      emptyRuntimeDir();
      const authorizations = stack.idp.counts.authorization;
      const started = performance.now();
      const background = await ws.plugin();
      const ms = Math.round(performance.now() - started);
      expect(background.code).toBe(1);
      expect(background.stdout).toBe('');
      expect(background.stderr.trimEnd().split('\n').at(-1)).toMatch(
        /^kubectl-oidc: the OS keychain is locked; the sealed sessions in \S+ are left as they are — unlock the keyring/,
      );
      // The keychain's answer decided it (one D-Bus round trip), not the 2 s timer: that would say "did not answer".
      expect(stack.idp.counts.authorization).toBe(authorizations);
      const person = await ws.plugin([], { KUBERNETES_EXEC_INFO: INTERACTIVE });
      expect(person.code, person.stderr).toBe(0);
      expect(person.stderr).toContain('the OS keychain is locked; the sealed sessions');
      expect(person.stderr).toContain('logging in, without caching this token');
      expect(ws.sessionFiles()).toEqual([session]);
      expect(readFileSync(join(ws.cacheDir, session!), 'utf8')).toBe(sealed);
      expect(existsSync(join(ws.cacheDir, '.keychain-unavailable'))).toBe(false);
      await secrets.unlock();
      locked = false;
      const logins = stack.idp.counts.logins;
      const hit = await ws.plugin();
      expect(hit.code, hit.stderr).toBe(0);
      expect(JSON.parse(hit.stdout).status.token).toBe(token);
      expect(stack.idp.counts.logins).toBe(logins);
      // That hit from the keychain wrote the hit file again: the next runs skip the keychain.
      expect(readdirSync(join(secrets.env.XDG_RUNTIME_DIR!, 'kubectl-oidc')).filter((name) => name.endsWith('.hit'))).toHaveLength(1);
      console.log(`a locked collection: exit 1 after ${ms} ms`);
    } finally {
      if (locked) await secrets.unlock(); // the next tests need it open
      await ws.cleanup();
    }
  });

  it('a key deleted behind our back: said, a login, and a new key seals the new session', async () => {
    const ws = newWorkspace(stack, { env: secrets.env, driverEnv: { DRIVER_LOGIN: 'mona' } });
    try {
      expect((await ws.plugin()).code).toBe(0);
      await deleteKeyIn(secrets, { service: 'kubectl-oidc', account: 'session-encryption-key', label: 'x' });
      emptyRuntimeDir();
      const again = await ws.plugin();
      expect(again.code, again.stderr).toBe(0);
      const gone = 'the session encryption key is gone from the OS keychain, so this sealed session cannot be opened; logging in again';
      expect(again.stderr.split('\n').filter((line) => line.includes(gone))).toHaveLength(1); // once, not at each look
      const [session] = ws.sessionFiles();
      expect(JSON.parse(readFileSync(join(ws.cacheDir, session!), 'utf8'))).toMatchObject({ format: 'kubectl-oidc/session-sealed/v1' });
      const hit = await ws.plugin();
      expect(hit.code, hit.stderr).toBe(0);
      expect(hit.stderr).toBe('');
    } finally {
      await ws.cleanup();
    }
  });

  it('without D-Bus falls back to 0600 files with a notice shown once', async () => {
    const ws = newWorkspace(stack, { env: { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent' }, driverEnv: { DRIVER_LOGIN: 'judy' } });
    try {
      // A run that keeps nothing (its IdP is unreachable) says only what failed: the notice waits for a kept session.
      const unreachable = ws.pluginArgs.map((arg) =>
        arg.startsWith('--oidc-issuer-url=') ? '--oidc-issuer-url=https://127.0.0.1:1' : arg,
      );
      const moot = await run(PLUGIN_BIN, unreachable, { env: ws.env });
      expect(moot.code).toBe(1);
      expect(moot.stderr.trimEnd().split('\n')).toEqual([
        expect.stringMatching(/^kubectl-oidc: OpenID discovery failed: cannot reach https:\/\/127\.0\.0\.1:1 /),
      ]);
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

  // Node's modules in this process or a probe of its own, not the plugin under test: nothing for the executable's runs.
  it.skipIf(PLUGIN_IS_EXECUTABLE)('reads, writes and deletes one item (the keychain room on its own)', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, secrets.env);
    try {
      const item = { service: 'kubectl-oidc-test', account: 'room', label: 'kubectl-oidc test item' };
      const log = recordingLogger();
      expect(await readKey(item, log)).toBeNull();
      await writeKey(item, 'first value');
      expect(await readKey(item, log)).toBe('first value');
      expect(log.debugged).toEqual(['read the session encryption key from the Secret Service over D-Bus']);
      await writeKey(item, 'second value');
      expect(await readKey(item, log)).toBe('second value');
      await deleteKey(item);
      expect(await readKey(item, log)).toBeNull();
      process.env.DBUS_SESSION_BUS_ADDRESS = 'unix:path=/nonexistent';
      await expect(readKey(item, log)).rejects.toMatchObject({ code: 'keychain_unavailable' });
    } finally {
      process.env = saved;
    }
  });
  // Node's modules in this process or a probe of its own, not the plugin under test: nothing for the executable's runs.
  it.skipIf(PLUGIN_IS_EXECUTABLE)(
    "the native module (macOS' and Windows' backend, @napi-rs/keyring) reads, writes and deletes one item here too",
    async () => {
      // In processes of their own, with the environment given: keyring-rs reads the real environment and keeps its
      // connection, so this worker's process.env (which other tests replace) would not reach it.
      const item = { service: 'kubectl-oidc-test', account: 'native', label: 'kubectl-oidc test item' };
      const module = join(REPO_ROOT, 'src', 'keychain', 'native-keyring.ts');
      const probe = async (steps: string, env: NodeJS.ProcessEnv): Promise<string> => {
        const script =
          `import(${JSON.stringify(module)}).then(async ({ nativeKeyring }) => { const k = await nativeKeyring(); ` +
          `const item = ${JSON.stringify(item)}; const out = []; ${steps}; console.log(out.join(' ')); })` +
          '.catch((err) => console.log(err.code ?? err.message))';
        const result = await run(process.execPath, ['--import', 'tsx', '-e', script], {
          cwd: REPO_ROOT,
          env: { PATH: process.env.PATH, ...env },
        });
        return `${result.stdout.trim()}${result.stderr.trim() ? ` (${result.stderr.trim()})` : ''}`;
      };
      const steps = [
        'out.push(String(await k.get(item)))',
        "await k.set(item, 'native value')",
        'out.push(String(await k.get(item)))',
        'await k.delete(item)',
        'out.push(String(await k.get(item)))',
      ].join('; ');
      expect(await probe(steps, secrets.env)).toBe('null native value null');
      // The item is in the Secret Service itself (keyring-rs names the account `username`).
      expect(await probe("await k.set(item, 'kept')", secrets.env)).toBe('');
      const lookup = await run('secret-tool', ['lookup', 'service', item.service, 'username', item.account], { env: secrets.env });
      expect(lookup.stdout).toBe('kept');
      expect(await probe('await k.delete(item)', secrets.env)).toBe('');
      // Without a Secret Service it fails: never the kernel keyring, which forgets the key at reboot.
      expect(
        await probe('out.push(String(await k.get(item)))', { ...secrets.env, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent' }),
      ).toBe('keychain_unavailable');
    },
  );
  it.skipIf(!PLUGIN_IS_EXECUTABLE)(
    "the executable's keychain module: placed once in a per-user 0700 directory, checked and loaded from there; a second run writes nothing",
    async () => {
      // A keychain of its own, with no key in it, and no secret-tool on PATH: the native module is the executable's way
      // to make and read the key (keyring-rs names the account `username`, so our D-Bus reader never finds its item).
      const own = await startSecretService();
      const emptyRuntimeDir = (): void => rmSync(join(own.env.XDG_RUNTIME_DIR!, 'kubectl-oidc'), { recursive: true, force: true });
      const ws = newWorkspace(stack, { extraArgs: PASSWORD_LOGIN, env: { ...own.env, KUBECTL_OIDC_PASSWORD: TEST_PASSWORD } });
      try {
        const temp = join(ws.dir, 'tmp');
        const empty = join(ws.dir, 'no-programs');
        mkdirSync(temp);
        mkdirSync(empty);
        const env = { ...ws.env, PATH: empty, TMPDIR: temp, XDG_CACHE_HOME: join(ws.dir, 'user-cache') };
        const modules = join(ws.dir, 'user-cache', 'kubectl-oidc', 'modules');
        const login = await run(PLUGIN_BIN, ws.pluginArgs, { env });
        expect(login.code, login.stderr).toBe(0);
        expect(login.stderr).not.toContain('keychain is not available');
        const [session] = ws.sessionFiles();
        expect(JSON.parse(readFileSync(join(ws.cacheDir, session!), 'utf8'))).toMatchObject({ format: 'kubectl-oidc/session-sealed/v1' });
        const placed = readdirSync(modules);
        expect(placed).toEqual([expect.stringMatching(/^keyring-[0-9a-f]{32}\.node$/)]);
        const path = join(modules, placed[0]!);
        expect(statSync(modules).mode & 0o777).toBe(0o700);
        expect(statSync(path).mode & 0o777).toBe(0o600);
        const bytes = readFileSync(path);
        expect(bytes.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
        const before = statSync(path);

        emptyRuntimeDir(); // no hit file: the run opens the sealed session with the key from the keychain
        const requests = stack.idp.counts.requests;
        const again = await run(PLUGIN_BIN, ws.pluginArgs, { env });
        expect(again.code, again.stderr).toBe(0);
        expect(JSON.parse(again.stdout).status.token).toBe(JSON.parse(login.stdout).status.token);
        expect(stack.idp.counts.requests).toBe(requests);
        const after = statSync(path);
        expect([after.ino, after.mtimeMs, after.ctimeMs]).toEqual([before.ino, before.mtimeMs, before.ctimeMs]);
        expect(readdirSync(modules)).toEqual(placed);
        expect(readdirSync(temp)).toEqual([]);

        // A copy that is not the executable's module any more is never loaded: it is replaced before the load.
        writeFileSync(path, 'not the module');
        emptyRuntimeDir();
        const replaced = await run(PLUGIN_BIN, ws.pluginArgs, { env });
        expect(replaced.code, replaced.stderr).toBe(0);
        expect(readFileSync(path).equals(bytes)).toBe(true);
        expect(readdirSync(modules)).toEqual(placed);
      } finally {
        await ws.cleanup();
        own.stop();
      }
    },
  );
  it('keyring storage: the hit file only on the per-user tmpfs ($XDG_RUNTIME_DIR), served as from the keychain', async () => {
    const ws = newWorkspace(stack, { env: secrets.env, driverEnv: { DRIVER_LOGIN: 'noor' } });
    try {
      expect((await ws.plugin()).code).toBe(0);
      expect(readdirSync(ws.cacheDir).filter((name) => name.endsWith('.hit'))).toEqual([]);
      const hits = join(secrets.env.XDG_RUNTIME_DIR!, 'kubectl-oidc');
      expect(readdirSync(hits).filter((name) => name.endsWith('.hit'))).toHaveLength(1);
      expect(statSync(hits).mode & 0o777).toBe(0o700);
      const script = await writeTestLauncher(ws.dir);
      const viaKeychain = await ws.plugin(['-v']); // -v: Node opens the sealed session, not the hit file
      expect(viaKeychain.stderr).toContain('read the session encryption key from the Secret Service over D-Bus');
      const viaLauncher = await run('dash', [script, ...ws.pluginArgs], { env: ws.env });
      expect(viaLauncher.code, viaLauncher.stderr).toBe(0);
      expect(viaLauncher.stdout).toBe(viaKeychain.stdout);
      // The Node entry reads the same file (no D-Bus at all here), and prints the same.
      const viaNode = await ws.plugin([], { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent' });
      expect(viaNode.code, viaNode.stderr).toBe(0);
      expect(viaNode.stdout).toBe(viaKeychain.stdout);

      // A logout from a shell without XDG_RUNTIME_DIR (cron, sudo -E, a bare ssh command): the hit file it could not
      // find stays on the tmpfs, but no reader serves it any more — the session it stood for is gone.
      const { XDG_RUNTIME_DIR: _, ...withoutRuntime } = ws.env;
      const logout = await run(PLUGIN_BIN, ['logout', ...ws.pluginArgs.slice(1)], { env: withoutRuntime });
      expect(logout.code, logout.stderr).toBe(0);
      expect(logout.stdout).toMatch(/^removed noor@example\.test .*revoked the refresh token at the IdP\n$/);
      expect(readdirSync(hits).filter((name) => name.endsWith('.hit'))).toHaveLength(1);
      const launcherAfter = await run('dash', [script, ...ws.pluginArgs], { env: ws.env });
      expect(launcherAfter.code).toBe(FAKE_NODE_STATUS); // on to Node: not served
      expect(launcherAfter.stdout).toBe('');
      const nodeReader = join(ws.dir, 'node-reader.cjs');
      writeFileSync(
        nodeReader,
        `process.exit(require(${JSON.stringify(join(REPO_ROOT, 'dist', 'hit.cjs'))}).servedHit(Date.now()) ? 0 : 3);\n`,
      );
      const nodeAfter = await run(process.execPath, [nodeReader, ...ws.pluginArgs], { env: ws.env });
      expect(nodeAfter.code).toBe(3);
    } finally {
      await ws.cleanup();
    }
  });
});
