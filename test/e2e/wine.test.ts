import { copyFileSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TEST_PASSWORD } from '../support/idp.js';
import { PLUGIN_BIN, REPO_ROOT } from '../support/paths.js';
import { run } from '../support/run.js';
import { newWorkspace, PASSWORD_LOGIN, useStack } from './harness.js';
import { e2eEnabled } from './requirements.js';
import { expectTrustFromSystemBundle } from './system-bundle.js';

// The windows/amd64 executable under Wine (scripts/e2e-wine.sh sets KUBECTL_OIDC_TARGET and the plugin: the archive's
// kubectl-oidc.exe, the native launcher, in front of kubectl-oidc-bin.exe): what a Windows user's first hour does
// without a browser — a password login, the cached call, status, logout. Elsewhere the
// file has nothing to run against and says so.
const underWine = process.env.KUBECTL_OIDC_TARGET === 'windows/amd64';
if (!underWine)
  process.stderr.write('\n\x1b[43;30m wine.test.ts: only scripts/e2e-wine.sh runs it (the Windows executable under Wine) \x1b[0m\n\n');

describe.skipIf(!e2eEnabled() || !underWine)('the Windows executable, under Wine', () => {
  const stack = useStack();

  it('--version, a password login, the cached call with no IdP request, status and logout (disk storage)', async () => {
    const version = await run(PLUGIN_BIN, ['--version']);
    expect(version.stdout.trim()).toMatch(/\(windows\/amd64\)$/);
    const ws = newWorkspace(stack, {
      extraArgs: [...PASSWORD_LOGIN, '--token-cache-storage=disk'],
      env: { KUBECTL_OIDC_PASSWORD: TEST_PASSWORD },
    });
    try {
      const login = await run(PLUGIN_BIN, ws.pluginArgs, { env: ws.env });
      expect(login.code, login.stderr).toBe(0);
      const token = JSON.parse(login.stdout).status.token as string;
      expect(ws.sessionFiles()).toHaveLength(1);
      const requests = stack.idp.counts.requests;
      const cached = await run(PLUGIN_BIN, ws.pluginArgs, { env: ws.env });
      expect(cached.code, cached.stderr).toBe(0);
      expect(JSON.parse(cached.stdout).status.token).toBe(token);
      expect(stack.idp.counts.requests).toBe(requests);
      // The native launcher (kubectl-oidc.exe) answers it alone: with the program beside it gone, the cached call still
      // works, and a miss says in one line what is missing.
      const program = join(process.env.KUBECTL_OIDC_WINDOWS_BUILD!, 'kubectl-oidc-bin.exe');
      renameSync(program, `${program}.away`);
      try {
        const alone = await run(PLUGIN_BIN, ws.pluginArgs, { env: ws.env });
        expect(alone.code, alone.stderr).toBe(0);
        expect(alone.stdout).toBe(cached.stdout);
        const miss = await run(PLUGIN_BIN, ['--version']);
        expect(miss.code).toBe(1);
        expect(miss.stderr, JSON.stringify(miss.stderr)).toMatch(
          /^kubectl-oidc: kubectl-oidc-bin\.exe is not beside kubectl-oidc\.exe .*reinstall kubectl-oidc\r?\n$/,
        );
      } finally {
        renameSync(`${program}.away`, program);
      }
      // A miss reaches the program with its arguments, and its exit status comes back (2: a usage error).
      const usage = await run(PLUGIN_BIN, [...ws.pluginArgs, '--no-such-flag'], { env: ws.env });
      expect(usage.code).toBe(2);
      expect(usage.stderr).toContain('--no-such-flag');
      const status = await run(PLUGIN_BIN, ['status', `--token-cache-dir=${ws.cacheDir}`], { env: ws.env });
      expect(status.code, status.stderr).toBe(0);
      expect(status.stdout).toContain('pat@example.test');
      const revocations = stack.idp.counts.revocations;
      const logout = await run(PLUGIN_BIN, ['logout', ...ws.pluginArgs.slice(1)], { env: ws.env });
      expect(logout.code, logout.stderr).toBe(0);
      expect(logout.stdout).toMatch(/^removed pat@example\.test .*revoked the refresh token at the IdP\n$/);
      expect(stack.idp.counts.revocations - revocations).toBe(1);
      expect(ws.sessionFiles()).toEqual([]);
    } finally {
      await ws.cleanup();
    }
  });

  it("krew's install without links (a Windows user without the privilege): the launcher copied alone finds the program in krew's store", async () => {
    const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    const krew = mkdtempSync(join(tmpdir(), 'kubectl-oidc-krew-'));
    try {
      const store = join(krew, 'store', 'oidc', `v${version}`);
      mkdirSync(store, { recursive: true });
      mkdirSync(join(krew, 'bin'));
      const built = process.env.KUBECTL_OIDC_WINDOWS_BUILD!;
      for (const file of ['kubectl-oidc.exe', 'kubectl-oidc-bin.exe']) linkSync(join(built, file), join(store, file));
      // What krew does when Windows refuses it a symbolic link: a copy of the bin file alone.
      copyFileSync(join(built, 'kubectl-oidc.exe'), join(krew, 'bin', 'kubectl-oidc.exe'));
      const wine = { WINEDEBUG: '-all', WINEDLLOVERRIDES: 'bcryptprimitives=n,b', KREW_ROOT: `Z:${krew.replaceAll('/', '\\')}` };
      const copied = await run('/usr/lib/wine/wine64', [join(krew, 'bin', 'kubectl-oidc.exe'), '--version'], {
        env: { ...process.env, ...wine },
      });
      expect(copied.code, copied.stderr).toBe(0);
      expect(copied.stdout.trim()).toMatch(/\(windows\/amd64\)$/);
      // Another version's store is not this launcher's program.
      const other = await run('/usr/lib/wine/wine64', [join(krew, 'bin', 'kubectl-oidc.exe'), '--version'], {
        env: { ...process.env, ...wine, KREW_ROOT: 'Z:\\nonexistent' },
      });
      expect(other.code).toBe(1);
      expect(other.stderr).toContain(`nor in krew's store for v${version}`);
    } finally {
      rmSync(krew, { recursive: true, force: true });
    }
  });

  it.skipIf(process.getuid?.() !== 0)(
    "trusts what the OS trusts: a CA only in the host's bundle, which Wine's crypt32 serves as Windows' root store",
    async () => {
      const ws = newWorkspace(stack, {
        extraArgs: [...PASSWORD_LOGIN, '--token-cache-storage=none'],
        env: { KUBECTL_OIDC_PASSWORD: TEST_PASSWORD },
      });
      try {
        await expectTrustFromSystemBundle(stack, ws);
      } finally {
        await ws.cleanup();
      }
    },
  );

  it("the keychain (Wine's Credential Manager): the module placed once, a sealed session, the cached call, logout", async () => {
    // Where Wine keeps this user's %LOCALAPPDATA% and %TEMP%, in the prefix scripts/e2e-wine.sh made.
    const users = join(process.env.WINEPREFIX!, 'drive_c', 'users');
    const home = join(users, readdirSync(users).find((name) => name !== 'Public')!);
    const modules = join(home, 'AppData', 'Local', 'kubectl-oidc', 'modules');
    const temp = join(home, 'Temp');
    const ws = newWorkspace(stack, {
      extraArgs: [...PASSWORD_LOGIN, '--token-cache-storage=keyring'],
      env: { KUBECTL_OIDC_PASSWORD: TEST_PASSWORD },
    });
    try {
      const login = await run(PLUGIN_BIN, ws.pluginArgs, { env: ws.env });
      expect(login.code, login.stderr).toBe(0);
      expect(login.stderr).not.toContain('keychain is not available');
      const token = JSON.parse(login.stdout).status.token as string;
      const [session] = ws.sessionFiles();
      const text = readFileSync(join(ws.cacheDir, session!), 'utf8');
      expect(JSON.parse(text)).toMatchObject({ format: 'kubectl-oidc/session-sealed/v1' });
      expect(text).not.toContain(token.split('.')[1]!.slice(0, 40));
      const placed = readdirSync(modules);
      expect(placed).toEqual([expect.stringMatching(/^keyring-[0-9a-f]{32}\.node$/)]);
      expect(readFileSync(join(modules, placed[0]!)).subarray(0, 2).toString('latin1')).toBe('MZ');
      const before = statSync(join(modules, placed[0]!));
      const temps = readdirSync(temp);

      const requests = stack.idp.counts.requests;
      const cached = await run(PLUGIN_BIN, ws.pluginArgs, { env: ws.env });
      expect(cached.code, cached.stderr).toBe(0);
      expect(JSON.parse(cached.stdout).status.token).toBe(token);
      expect(stack.idp.counts.requests).toBe(requests);
      const after = statSync(join(modules, placed[0]!));
      expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
      expect(readdirSync(modules)).toEqual(placed);
      expect(readdirSync(temp)).toEqual(temps); // nothing unpacked for the run

      const logout = await run(PLUGIN_BIN, ['logout', ...ws.pluginArgs.slice(1)], { env: ws.env });
      expect(logout.code, logout.stderr).toBe(0);
      expect(logout.stdout).toMatch(/^removed pat@example\.test .*revoked the refresh token at the IdP\n$/);
      expect(ws.sessionFiles()).toEqual([]);
    } finally {
      await ws.cleanup();
    }
  });
});
