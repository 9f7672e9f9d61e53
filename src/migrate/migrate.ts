import { copyFile, readFile, stat } from 'node:fs/promises';
import { PluginError } from '../errors.js';
import { writeFileAtomic } from '../session/file-store.js';
import { lineDiff, migrateKubeconfig } from './kubeconfig.js';
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

/** A backup beside the file that never overwrites an earlier one. */
const backUp = async (file: string): Promise<string> => {
  let backup = `${file}.kubelogin-backup`;
  if (
    await stat(backup).then(
      () => true,
      () => false,
    )
  )
    backup = `${backup}-${Date.now()}`;
  await copyFile(file, backup);
  return backup;
};

/**
 * `kubectl-oidc migrate`: every kubelogin user of these kubeconfigs runs kubectl-oidc with equivalent flags, each file
 * backed up first, and their kubelogin sessions imported so that nobody logs in again. Answers the report: a line per
 * user (or the diff, with dryRun). Every file is read and checked before any is written.
 */
export const migrate = async (request: MigrateRequest): Promise<string> => {
  const plans = [];
  for (const file of request.files) {
    const text = await readKubeconfig(file);
    plans.push({ file, text, result: migrateKubeconfig(text, request.command, file) });
  }
  let report = '';
  for (const { file, text, result } of plans) {
    if (result.users.length === 0) {
      report += `nothing to migrate in ${file}\n`;
      continue;
    }
    if (request.dryRun) {
      report += `--- ${file}\n+++ ${file} (migrated)\n${lineDiff(text, result.text)}\n`;
      continue;
    }
    const backup = await backUp(file);
    await writeFileAtomic(file, result.text);
    for (const user of result.users) {
      const imported = await importKubeloginSession(user.getTokenArgs);
      report += `migrated user "${user.name}" in ${file} (${user.was} → ${request.command} get-token; backup ${backup}); ${imported}\n`;
    }
  }
  return report;
};
