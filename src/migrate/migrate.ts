import { constants } from 'node:fs';
import { copyFile, readFile, realpath, stat } from 'node:fs/promises';
import type { Ambient, Clock } from '../ambient.js';
import { PluginError } from '../errors.js';
import { unifiedDiff } from '../kubeconfig/diff.js';
import { writeFileAtomic } from '../session/file-store.js';
import { migrateKubeconfig } from './kubeconfig.js';
import { importKubeloginSession } from './kubelogin-cache.js';

export interface MigrateRequest {
  files: string[];
  dryRun: boolean;
  /** The command the migrated users run. */
  command: string;
}

const readKubeconfig = async (file: string): Promise<string> => {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new PluginError('usage', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
};

/**
 * A backup beside the file that never overwrites an earlier one, and is never written through a symlink planted at
 * its name: created exclusively, under another name when that one is taken.
 */
const backUp = async (file: string, clock: Clock): Promise<string> => {
  for (const backup of [`${file}.kubelogin-backup`, `${file}.kubelogin-backup-${clock.now()}`]) {
    try {
      await copyFile(file, backup, constants.COPYFILE_EXCL);
      return backup;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  throw new PluginError('usage', `cannot back up ${file}: ${file}.kubelogin-backup and its dated alternative both exist`);
};

/** Writes the kubeconfig where it really is (a symlink stays a symlink, as kubectl keeps it), with the mode it had. */
const writeInPlace = async (file: string, text: string): Promise<void> => {
  const target = await realpath(file);
  const { mode } = await stat(target);
  await writeFileAtomic(target, text, mode & 0o7777);
};

/**
 * `kubectl-oidc migrate`: every kubelogin user of these kubeconfigs runs kubectl-oidc with equivalent flags, each file
 * backed up first, and their kubelogin sessions imported so that nobody logs in again. Answers the report: a line per
 * user (or the diff, with dryRun). Every file is read and checked before any is written.
 */
export const migrate = async (request: MigrateRequest, ambient: Ambient): Promise<string> => {
  const plans = [];
  for (const file of request.files) {
    const text = await readKubeconfig(file);
    plans.push({ file, text, result: migrateKubeconfig(text, request.command, file) });
  }
  let report = '';
  for (const { file, text, result } of plans) {
    for (const { name, why } of result.skipped) report += `skipped user "${name}" in ${file}: ${why}; migrate it by hand\n`;
    if (result.users.length === 0) {
      if (result.skipped.length === 0) report += `nothing to migrate in ${file}\n`;
      continue;
    }
    if (request.dryRun) {
      report += unifiedDiff(text, result.text, file, `${file}\t(migrated)`);
      continue;
    }
    const backup = await backUp(file, ambient.clock);
    await writeInPlace(file, result.text);
    for (const user of result.users) {
      const imported = await importKubeloginSession(user.getTokenArgs, ambient);
      report += `migrated user "${user.name}" in ${file} (${user.was} → ${request.command} get-token; backup ${backup}); ${imported}\n`;
    }
  }
  return report;
};
