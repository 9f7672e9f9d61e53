import { readFile, realpath, stat } from 'node:fs/promises';
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

/** Writes the kubeconfig where it really is (a symlink stays a symlink, as kubectl keeps it), with the mode it had. */
export const writeInPlace = async (file: string, text: string): Promise<void> => {
  const target = await realpath(file);
  const { mode } = await stat(target);
  await writeFileAtomic(target, text, mode & 0o7777);
};
