import { readFile } from 'node:fs/promises';
import type { Ambient } from '../../ambient.js';
import { PluginError } from '../../errors.js';
import { interruption } from '../../interrupt.js';
import { unifiedDiff } from '../../kubeconfig/diff.js';
import { editUnderKubectlLock } from '../../kubeconfig/locked-file.js';
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
 * `kubectl-oidc migrate`: every kubelogin user of these kubeconfigs runs kubectl-oidc with equivalent flags, each file
 * backed up first, and their kubelogin sessions imported so that nobody logs in again. Answers the report: a line per
 * user (or the diff, with dryRun), and a line per user left as it was (a flag kubectl-oidc does not take, an exec shared
 * through an anchor). Every file is read and checked before any is written.
 */
export const migrate = async (request: MigrateRequest, ambient: Ambient): Promise<{ report: string; skipped: string[] }> => {
  const plans = [];
  for (const file of request.files) {
    const text = await readKubeconfig(file);
    plans.push({ file, text, result: migrateKubeconfig(text, request.command, file) });
  }
  let report = '';
  const skipped: string[] = [];
  const backups = new Map<string, string>();
  for (const plan of plans) {
    const { file, text } = plan;
    let { result } = plan;
    if (!request.dryRun && result.users.length > 0) {
      // Under kubectl's lock, from the file as it is then: what another writer added since the check above stays.
      const edited = await editUnderKubectlLock(
        file,
        (current) => {
          result = migrateKubeconfig(current, request.command, file);
          return result.text;
        },
        { ...ambient, waitMs: 10_000, signal: interruption(ambient.log), backupSuffix: 'kubelogin-backup' },
      );
      backups.set(file, edited.backup ?? '');
    }
    for (const { name, why } of result.skipped) skipped.push(`left user "${name}" in ${file} as it was: ${why}`);
    if (result.users.length === 0) {
      if (result.skipped.length === 0) report += `nothing to migrate in ${file}\n`;
      continue;
    }
    if (request.dryRun) {
      report += unifiedDiff(text, result.text, file, `${file}\t(migrated)`);
      continue;
    }
    const backup = backups.get(file);
    for (const user of result.users) {
      const imported = await importKubeloginSession(user.getTokenArgs, ambient);
      report += `migrated user "${user.name}" in ${file} (${user.was} → ${request.command} get-token; backup ${backup}); ${imported}\n`;
    }
  }
  return { report, skipped };
};
