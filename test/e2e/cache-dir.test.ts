import { chmodSync, chownSync, copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PLUGIN_BIN } from '../support/paths.js';
import { run } from '../support/run.js';
import { newWorkspace, pluginAsKubectl, useStack } from './harness.js';
import { e2eEnabled } from './requirements.js';

/**
 * The token cache directory is ours or not used: made private when it is open to others, refused when it belongs to
 * someone else (files planted there are never served), and a cache that cannot be used at all still gives kubectl its
 * token.
 */
const enabled = e2eEnabled();
const ROOT = process.getuid?.() === 0;
const STRANGER = 12345;

const said = (stderr: string): string[] =>
  stderr.split('\n').filter((line) => line.startsWith('kubectl-oidc: ') && !line.startsWith('kubectl-oidc: [debug]'));

describe.skipIf(!enabled)('the token cache directory', () => {
  const stack = useStack();

  it('a cache that cannot be created (HOME is a file): the token still reaches kubectl, with one line', async () => {
    const ws = newWorkspace(stack, { driverEnv: { DRIVER_LOGIN: 'rhea' } });
    try {
      const file = join(ws.dir, 'not-a-directory');
      writeFileSync(file, '');
      const result = await ws.plugin([`--token-cache-dir=${join(file, 'cache')}`, '--token-cache-storage=disk']);
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout).status.token).toBeTruthy();
      const cacheLines = said(result.stderr).filter((line) => !line.includes('open this URL'));
      expect(cacheLines, result.stderr).toHaveLength(1);
      expect(cacheLines[0]).toMatch(
        new RegExp(
          `^kubectl-oidc: cannot create the session lock ${join(file, 'cache')}/[0-9a-f]{64}\\.lock: ENOTDIR; the token will not be cached — make the token cache directory writable, or move it with --token-cache-dir or KUBECACHEDIR \\(--token-cache-storage=none keeps nothing\\)$`,
        ),
      );
    } finally {
      await ws.cleanup();
    }
  });

  it('a cache under /proc (HOME=/proc/nonexist), where mkdir never settles in Node: the token still comes, with one line', async () => {
    const ws = newWorkspace(stack, { driverEnv: { DRIVER_LOGIN: 'rita' } });
    try {
      const cache = '/proc/nonexist/.kube/cache/kubectl-oidc';
      const result = await ws.plugin([`--token-cache-dir=${cache}`, '--token-cache-storage=disk'], { HOME: '/proc/nonexist' });
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout).status.token).toBeTruthy();
      expect(said(result.stderr).filter((line) => !line.includes('open this URL'))).toEqual([
        expect.stringMatching(
          new RegExp(
            `^kubectl-oidc: cannot create the session lock ${cache}/[0-9a-f]{64}\\.lock: ENOENT; the token will not be cached — make the token cache directory writable, or move it with --token-cache-dir or KUBECACHEDIR \\(--token-cache-storage=none keeps nothing\\)$`,
          ),
        ),
      ]);
    } finally {
      await ws.cleanup();
    }
  });

  it.skipIf(!ROOT)(
    "a session lock another user's live process holds (a sudo run): refused at once, the unexpired token served, nothing spent",
    async () => {
      const ws = newWorkspace(stack, { driverEnv: { DRIVER_LOGIN: 'rosa' } });
      try {
        expect((await ws.plugin()).code).toBe(0);
        const [session] = ws.sessionFiles();
        const lock = join(ws.cacheDir, session!.replace(/\.json$/, '.lock'));
        mkdirSync(lock, { mode: 0o700 });
        writeFileSync(join(lock, 'owner.json'), JSON.stringify({ pid: 1, host: hostname(), nonce: 'n', since: Date.now() }));
        chownSync(lock, STRANGER, STRANGER);
        const refreshes = stack.idp.counts.grants.refresh_token ?? 0;
        // --force-refresh: what it would get could not be kept, and the rotating refresh token would be spent for nothing.
        const result = await ws.plugin(['--force-refresh']);
        expect(result.code, result.stderr).toBe(0);
        expect(JSON.parse(result.stdout).status.token).toBeTruthy();
        expect(said(result.stderr)).toEqual([
          `kubectl-oidc: the session lock ${lock} belongs to uid ${STRANGER}, not to you (another user's kubectl-oidc, e.g. under ` +
            'sudo); using the cached token, which has not expired, rather than refreshing what cannot be saved',
        ]);
        expect((stack.idp.counts.grants.refresh_token ?? 0) - refreshes).toBe(0);
      } finally {
        await ws.cleanup();
      }
    },
  );

  it.skipIf(!ROOT)(
    'a full, then read-only disk (a 256 KiB tmpfs): an unexpired token is served, not refreshed; a first login still gives kubectl its token, no lock left',
    async () => {
      const ws = newWorkspace(stack, { driverEnv: { DRIVER_LOGIN: 'fern' } });
      try {
        const small = join(ws.dir, 'small');
        const out = join(ws.dir, 'out');
        mkdirSync(small);
        mkdirSync(out);
        const args = ws.pluginArgs.filter((arg) => !arg.startsWith('--token-cache-dir')).concat('--token-cache-storage=disk');
        const plugin = (cache: string, name: string): string =>
          `"$@" --token-cache-dir=${cache} >${out}/${name}.stdout 2>${out}/${name}.stderr; echo $? >${out}/${name}.code`;
        // One mount namespace for the whole story: its tmpfs is gone with it.
        const script = [
          'set -u',
          `mount -t tmpfs -o size=256k tmpfs ${small} || exit 90`,
          plugin(`${small}/cache`, 'login'),
          `cat /dev/zero >${small}/fill 2>/dev/null`,
          plugin(`${small}/cache`, 'full'),
          plugin(`${small}/fresh`, 'first'),
          `ls -A ${small}/cache ${small}/fresh >${out}/left 2>&1`,
          `mount -o remount,ro ${small} || exit 91`,
          plugin(`${small}/cache`, 'readonly'),
        ].join('\n');
        stack.idp.setQuirks({ staleIdTokens: true }); // 30 s left: inside the margin, a refresh would be due
        const refreshes = stack.idp.counts.grants.refresh_token ?? 0;
        const result = await run('unshare', ['--mount', 'sh', '-c', script, 'sh', PLUGIN_BIN, ...args], { env: ws.env });
        stack.idp.setQuirks({});
        expect(result.code, result.stderr).toBe(0);
        const read = (name: string): string => readFileSync(join(out, name), 'utf8');
        expect(read('login.code').trim(), read('login.stderr')).toBe('0');
        const loggedIn = JSON.parse(read('login.stdout')).status.token;
        // The full disk: the cached token, unexpired, is served; the rotating refresh token is not spent.
        expect(read('full.code').trim(), read('full.stderr')).toBe('0');
        expect(JSON.parse(read('full.stdout')).status.token).toBe(loggedIn);
        expect(read('full.stderr')).toBe('');
        expect((stack.idp.counts.grants.refresh_token ?? 0) - refreshes).toBe(0);
        // A first login on the full disk: kubectl gets its token, one line says it is not cached.
        expect(read('first.code').trim(), read('first.stderr')).toBe('0');
        expect(JSON.parse(read('first.stdout')).status.token).toBeTruthy();
        expect(said(read('first.stderr')).filter((line) => !line.includes('open this URL'))).toEqual([
          expect.stringMatching(
            /^kubectl-oidc: cannot create the session lock .*\.lock: ENOSPC; the token will not be cached — make the token cache directory writable, or move it with --token-cache-dir or KUBECACHEDIR \(--token-cache-storage=none keeps nothing\)$/,
          ),
        ]);
        expect(read('left')).not.toMatch(/\.lock/);
        // Read-only: the same, the unexpired token served and nothing spent.
        expect(read('readonly.code').trim(), read('readonly.stderr')).toBe('0');
        expect(JSON.parse(read('readonly.stdout')).status.token).toBe(loggedIn);
        expect((stack.idp.counts.grants.refresh_token ?? 0) - refreshes).toBe(0);
      } finally {
        stack.idp.setQuirks({});
        await ws.cleanup();
      }
    },
  );

  it.skipIf(!ROOT)(
    'a read-only cache: an expired session keeps its rotating refresh token unspent (one line naming the fix); --force-refresh serves the unexpired one',
    async () => {
      const ws = newWorkspace(stack, { driverEnv: { DRIVER_LOGIN: 'rhea' }, extraArgs: ['--token-cache-storage=disk'] });
      try {
        expect((await ws.plugin()).code).toBe(0);
        const [file] = ws.sessionFiles();
        const session = JSON.parse(readFileSync(join(ws.cacheDir, file!), 'utf8')) as { tokens: { idToken: string; refreshToken: string } };
        const readOnly = join(ws.dir, 'read-only');
        const fresh = join(readOnly, 'fresh');
        const expired = join(readOnly, 'expired');
        cpSync(ws.cacheDir, fresh, { recursive: true });
        cpSync(ws.cacheDir, expired, { recursive: true });
        writeFileSync(
          join(expired, file!),
          JSON.stringify({ ...session, tokens: { ...session.tokens, idToken: await stack.idp.aged(session.tokens.idToken, -60) } }),
          { mode: 0o600 },
        );
        const out = join(ws.dir, 'out');
        mkdirSync(out);
        const args = ws.pluginArgs.filter((arg) => !arg.startsWith('--token-cache-dir'));
        const plugin = (cache: string, name: string, extra = ''): string =>
          `"$@" --token-cache-dir=${cache} ${extra} >${out}/${name}.stdout 2>${out}/${name}.stderr; echo $? >${out}/${name}.code`;
        // Read-only in a mount namespace of its own (root ignores file modes): as a read-only HOME.
        const script = [
          'set -u',
          `mount --bind ${readOnly} ${readOnly} && mount -o remount,bind,ro ${readOnly} || exit 90`,
          plugin(expired, 'expired'),
          plugin(fresh, 'forced', '--force-refresh'),
        ].join('\n');
        const requests = stack.idp.counts.grants.refresh_token ?? 0;
        const authorizations = stack.idp.counts.authorization;
        const result = await run('unshare', ['--mount', 'sh', '-c', script, 'sh', PLUGIN_BIN, ...args], { env: ws.env });
        expect(result.code, result.stderr).toBe(0);
        const read = (name: string): string => readFileSync(join(out, name), 'utf8');
        expect(read('expired.code').trim()).toBe('1');
        expect(read('expired.stdout')).toBe('');
        expect(said(read('expired.stderr'))).toEqual([
          expect.stringMatching(
            /^kubectl-oidc: cannot create the session lock .*\.lock: EROFS: the session's refresh token is not spent on an answer that could not be kept — pass --token-cache-dir=/,
          ),
        ]);
        expect(read('forced.code').trim(), read('forced.stderr')).toBe('0');
        expect(JSON.parse(read('forced.stdout')).status.token).toBe(session.tokens.idToken);
        expect(said(read('forced.stderr'))).toEqual([
          expect.stringMatching(/EROFS; using the cached token, which has not expired, rather than refreshing what cannot be saved$/),
        ]);
        expect({
          refreshes: (stack.idp.counts.grants.refresh_token ?? 0) - requests,
          authorization: stack.idp.counts.authorization - authorizations,
        }).toEqual({
          refreshes: 0,
          authorization: 0,
        });
        // The refresh token was not spent: once the cache is writable, it refreshes.
        const later = await run('sh', pluginAsKubectl([...args, `--token-cache-dir=${expired}`]), { env: ws.env });
        expect(later.code, later.stderr).toBe(0);
        expect((stack.idp.counts.grants.refresh_token ?? 0) - requests).toBe(1);
      } finally {
        await ws.cleanup();
      }
    },
  );

  it('a directory open to others is made private again, and says so', async () => {
    const ws = newWorkspace(stack, { driverEnv: { DRIVER_LOGIN: 'rory' } });
    try {
      mkdirSync(ws.cacheDir, { recursive: true });
      chmodSync(ws.cacheDir, 0o777);
      const result = await ws.plugin();
      expect(result.code, result.stderr).toBe(0);
      expect(statSync(ws.cacheDir).mode & 0o777).toBe(0o700);
      expect(result.stderr).toContain(`kubectl-oidc: made the token cache directory ${ws.cacheDir} private (it was 777; now 700)`);
      expect(ws.sessionFiles()).toHaveLength(1);
    } finally {
      await ws.cleanup();
    }
  });

  it('a directory that belongs to someone else is not used, and a session file planted in ours is never served', async () => {
    const ws = newWorkspace(stack, { driverEnv: { DRIVER_LOGIN: 'ruth' } });
    const foreign = ROOT ? mkdtempSync(join(tmpdir(), 'kubectl-oidc-foreign-')) : '/';
    try {
      if (ROOT) chownSync(foreign, STRANGER, STRANGER);
      const refused = await ws.plugin([`--token-cache-dir=${foreign}`]);
      expect(refused.code, refused.stderr).toBe(0);
      expect(refused.stderr).toContain(
        `the token cache directory ${foreign} belongs to uid ${ROOT ? STRANGER : 0}, not to you; not using it; the token will not be ` +
          'cached — pass a --token-cache-dir of your own (or set KUBECACHEDIR)',
      );
      if (!ROOT) {
        console.warn('not root: the planted-file case needs chown and is left out on this machine');
        return;
      }
      // Our session, then the same file handed to a stranger: the next run does not serve it and logs in again.
      expect((await ws.plugin()).code).toBe(0);
      const [file] = ws.sessionFiles();
      const planted = join(ws.cacheDir, file!);
      copyFileSync(planted, `${planted}.copy`);
      rmSync(planted);
      copyFileSync(`${planted}.copy`, planted);
      chownSync(planted, STRANGER, STRANGER);
      const before = stack.idp.counts.logins;
      const again = await ws.plugin(['-v']);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).toContain(`the session file ${planted} belongs to uid ${STRANGER}, not to you; treating it as absent`);
      expect(stack.idp.counts.logins).toBe(before + 1);
    } finally {
      if (ROOT) rmSync(foreign, { recursive: true, force: true });
      await ws.cleanup();
    }
  });
});
