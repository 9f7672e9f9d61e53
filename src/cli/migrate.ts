import type { Command } from 'commander';
import type { MigrateOptions } from '../options/types.js';
import { ambientOf, runLogger } from './ambient.js';
import { kubeconfigFiles } from './kube-files.js';
import { addOptions, groupsOf } from './options.js';
import { ownCommand } from './own-command.js';
import { printReport } from './report.js';

export const registerMigrate = (program: Command): void => {
  const command = program
    .command('migrate')
    .description("rewrite kubeconfig users that run kubelogin to run kubectl-oidc with equivalent flags, and import kubelogin's sessions");
  addOptions(command, 'migrate').action(async () => {
    const groups = groupsOf(command, 'migrate');
    const log = runLogger(Number(groups.run?.verbose ?? 0));
    const options = (groups.migrate ?? {}) as MigrateOptions;
    const { migrate } = await import('../commands/migrate/migrate.js');
    const { report, skipped } = await migrate(
      { files: kubeconfigFiles(options.kubeconfig), dryRun: options.dryRun, command: ownCommand() },
      ambientOf(log),
    );
    printReport(report);
    // A user migration could not carry over is not migrated: said on stderr, and the run fails.
    for (const line of skipped) process.stderr.write(`kubectl-oidc: ${line}\n`);
    if (skipped.length > 0) process.exitCode = 1;
  });
};
