import { promises as fs } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { PluginError } from '../errors.js';
import type { Logger } from '../log.js';

/** The fix for a token cache that cannot be written: where it is moved, by flag or variable. */
export const MOVE_THE_CACHE =
  'make the token cache directory writable, or move it with --token-cache-dir or KUBECACHEDIR (--token-cache-storage=none keeps nothing)';

/** Our uid, where the platform has one (not on Windows, whose ACLs are another matter). */
export const ownUid = (): number | undefined => process.getuid?.();

/** Whether a process of this host is running (one of another user's counts). */
export const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

const errnoOf = (err: unknown): string | undefined => (err as NodeJS.ErrnoException).code;

/**
 * `mkdir -p`, one component at a time: Node's recursive mkdir never settles where a parent answers mkdir with ENOENT
 * and stat with ENOENT too (under /proc), so a HOME there would hang every run.
 */
const makeDirectories = async (dir: string): Promise<void> => {
  const missing: string[] = [];
  for (let path = resolve(dir); ; path = dirname(path)) {
    try {
      await fs.stat(path);
      break; // what it is, the caller checks (for the directory itself) or mkdir says (ENOTDIR)
    } catch (err) {
      if (errnoOf(err) !== 'ENOENT') throw err;
      missing.push(path);
      if (dirname(path) === path) break;
    }
  }
  for (const path of missing.reverse()) {
    try {
      await fs.mkdir(path, { mode: 0o700 });
    } catch (err) {
      if (errnoOf(err) !== 'EEXIST') throw err;
    }
  }
};

/**
 * The token cache directory, made ours before anything is written or locked in it: created 0700; refused when it is
 * not a directory or belongs to another user (a symlink into someone else's directory, a directory planted in a
 * shared one); made private again when group or others may write or read it.
 */
export const secureCacheDir = async (dir: string, log: Logger): Promise<void> => {
  await makeDirectories(dir);
  const stat = await fs.stat(dir);
  const uid = ownUid();
  if (!stat.isDirectory()) throw Object.assign(new Error(`${dir} is not a directory`), { code: 'ENOTDIR' });
  if (uid === undefined) return;
  if (stat.uid !== uid) {
    throw new PluginError(
      'cache',
      `the token cache directory ${dir} belongs to uid ${stat.uid}, not to you; not using it`,
      'pass a --token-cache-dir of your own (or set KUBECACHEDIR)',
    );
  }
  if ((stat.mode & 0o077) !== 0) {
    await fs.chmod(dir, 0o700);
    log.info(`made the token cache directory ${dir} private (it was ${(stat.mode & 0o777).toString(8)}; now 700)`);
  }
};
