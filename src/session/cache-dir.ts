import { promises as fs } from 'node:fs';
import { PluginError } from '../errors.js';
import { info } from '../log.js';

/** Our uid, where the platform has one (not on Windows, whose ACLs are another matter). */
export const ownUid = (): number | undefined => process.getuid?.();

/**
 * The token cache directory, made ours before anything is written or locked in it: created 0700; refused when it is
 * not a directory or belongs to another user (a symlink into someone else's directory, a directory planted in a
 * shared one); made private again when group or others may write or read it.
 */
export const secureCacheDir = async (dir: string): Promise<void> => {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const stat = await fs.stat(dir);
  const uid = ownUid();
  if (!stat.isDirectory()) throw Object.assign(new Error(`${dir} is not a directory`), { code: 'ENOTDIR' });
  if (uid === undefined) return;
  if (stat.uid !== uid) {
    throw new PluginError(
      'cache',
      `the token cache directory ${dir} belongs to uid ${stat.uid}, not to you; not using it`,
      'pass a --token-cache-dir of your own',
    );
  }
  if ((stat.mode & 0o077) !== 0) {
    await fs.chmod(dir, 0o700);
    info(`made the token cache directory ${dir} private (it was ${(stat.mode & 0o777).toString(8)}; now 700)`);
  }
};
