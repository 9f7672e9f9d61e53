import { kubeconfigFiles } from '../../kubeconfig/files.js';
import type { MigrateOptions } from '../../options/types.js';
import type { CommandSpec } from '../command.js';

export const command: CommandSpec = {
  description: "rewrite kubeconfig users that run kubelogin to run kubectl-oidc with equivalent flags, and import kubelogin's sessions",
  examples: [
    '# What would change in your kubeconfig, as a diff',
    'kubectl-oidc migrate --dry-run',
    '# Rewrite the kubelogin users to run kubectl-oidc, sessions imported',
    'kubectl-oidc migrate',
  ],
  run: async ({ groups, ambient, print, ownCommand, env, exitWith }) => {
    const run = ambient(Number(groups.run?.verbose ?? 0));
    const options = (groups.migrate ?? {}) as MigrateOptions;
    const { migrate } = await import('./migrate.js');
    const { report, skipped } = await migrate(
      { files: kubeconfigFiles(options.kubeconfig, env), dryRun: options.dryRun, command: ownCommand() },
      run,
    );
    print(report);
    // A user migration could not carry over is not migrated: said on stderr, and the run fails.
    for (const line of skipped) run.log.info(line);
    if (skipped.length > 0) exitWith(1);
  },
};
