import { constants } from 'node:fs';
import { copyFile, readFile, realpath, stat } from 'node:fs/promises';
import type { Clock } from '../ambient.js';
import { PluginError } from '../errors.js';
import { writeFileAtomic } from '../session/file-store.js';

/** A kubeconfig's text, or '' for one that is not there yet (login makes it). */
export const readIfThere = async (file: string): Promise<string> => {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw new PluginError('usage', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
};

/**
 * A backup beside the file that never overwrites an earlier one, and is never written through a symlink planted at
 * its name: created exclusively, under another name when that one is taken.
 */
export const backUp = async (file: string, suffix: string, clock: Clock): Promise<string> => {
  for (const backup of [`${file}.${suffix}`, `${file}.${suffix}-${clock.now()}`]) {
    try {
      await copyFile(file, backup, constants.COPYFILE_EXCL);
      return backup;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  throw new PluginError('usage', `cannot back up ${file}: ${file}.${suffix} and its dated alternative both exist`);
};

/** Writes the kubeconfig where it really is (a symlink stays a symlink, as kubectl keeps it), with the mode it had. */
export const writeInPlace = async (file: string, text: string): Promise<void> => {
  const target = await realpath(file);
  const { mode } = await stat(target);
  await writeFileAtomic(target, text, mode & 0o7777);
};
