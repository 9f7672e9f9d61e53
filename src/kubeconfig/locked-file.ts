import { link, mkdir, open, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Ambient } from '../ambient.js';
import { PluginError } from '../errors.js';
import { writeFileAtomic } from '../session/file-store.js';
import { delay } from '../session/lock.js';
import { readIfThere, writeInPlace } from './file.js';

const POLL_MS = 50;

export interface LockedEdit extends Ambient {
  /** How long kubectl's lock may be held by someone else before we give up (kubectl itself gives up at once). */
  waitMs: number;
  signal?: AbortSignal;
  /** The backups' names: `<file>.<suffix>` (the user's own original, never replaced) and `<file>.<suffix>-previous`. */
  backupSuffix: string;
}

export interface Edited {
  before: string;
  after: string;
  /** The backup written of `before`, when the file existed and changed. */
  backup?: string;
}

/**
 * kubectl's lock on a file it writes (client-go `lockFile`): `<file>.lock` created exclusively, removed after the
 * write. Held by another writer, it is waited for (one line) until `waitMs`; a lock left by a killed kubectl is never
 * taken over — kubectl does not either — the error names it.
 */
const takeKubectlLock = async (file: string, edit: LockedEdit): Promise<() => Promise<void>> => {
  const lock = `${file}.lock`;
  const deadline = edit.clock.now() + edit.waitMs;
  let told = false;
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  for (;;) {
    try {
      await (await open(lock, 'wx', 0o600)).close();
      return () => unlink(lock).catch(() => undefined);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') throw new PluginError('usage', `cannot create ${lock} (kubectl's lock on ${file}): ${code ?? String(err)}`);
    }
    if (edit.signal?.aborted) throw edit.signal.reason;
    if (edit.clock.now() >= deadline) {
      throw new PluginError(
        'timeout',
        `${lock} has been held for ${Math.round(edit.waitMs / 1000)} s (kubectl is writing ${file}, or a killed kubectl left its lock): nothing was written`,
        `if no kubectl is running, remove ${lock} and run the command again`,
      );
    }
    if (!told) {
      told = true;
      edit.log.info(`${lock} is held (kubectl is writing ${file}); waiting for it`);
    }
    await delay(POLL_MS, edit.signal);
  }
};

/**
 * Keeps what the file held before this write, 0600: the user's own original once (never replaced), and the text before
 * the latest write. At most two backups per file, however often we write it.
 */
const keepBackup = async (file: string, before: string, suffix: string): Promise<string> => {
  const original = `${file}.${suffix}`;
  const previous = `${original}-previous`;
  // Complete before it has its name (a link fails where the original is already kept): never a half-written backup.
  const temp = `${previous}.${process.pid}.tmp`;
  await unlink(temp).catch(() => undefined);
  await writeFile(temp, before, { flag: 'wx', mode: 0o600 });
  try {
    await link(temp, original);
    return original;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    await rename(temp, previous);
    return previous;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
};

/**
 * The one way we change a user's kubeconfig or kuberc: under kubectl's lock, the file read again under it and changed
 * by `change` (only our entries: whatever another writer put there meanwhile stays), written atomically where it really
 * is (a symlink stays one), a backup of what was there first; the lock released. Never held across a login.
 */
export const editUnderKubectlLock = async (file: string, change: (text: string) => string, edit: LockedEdit): Promise<Edited> => {
  const release = await takeKubectlLock(file, edit);
  try {
    const before = await readIfThere(file);
    const after = change(before);
    if (after === before) return { before, after };
    if (before === '') {
      await writeFileAtomic(file, after, 0o600);
      return { before, after };
    }
    const backup = await keepBackup(file, before, edit.backupSuffix);
    await writeInPlace(file, after);
    return { before, after, backup };
  } finally {
    await release();
  }
};
