import type { Command } from 'commander';
import { getTokenOptionsOf } from '../options/parse.js';
import type { LoginCommandOptions } from '../options/types.js';
import { ambientOf, runLogger } from './ambient.js';
import { startEnvironment } from './environment.js';
import { kubeconfigFiles, kubercFile } from './kube-files.js';
import { addOptions, groupsOf } from './options.js';
import { ownCommand } from './own-command.js';
import { printReport } from './report.js';

export const registerLogin = (program: Command): void => {
  const command = program
    .command('login')
    .description(
      "log in (with setup's checks, briefly) and write the kubeconfig's user, cluster and context for it; --oidc-audience for one login across clusters",
    );
  addOptions(command, 'login').action(async () => {
    const groups = groupsOf(command, 'login');
    const options = {
      getToken: getTokenOptionsOf(groups),
      apiserver: groups.apiserver ?? {},
      kubeconfig: groups.kubeconfig,
      ...groups.setup,
    } as LoginCommandOptions;
    const log = runLogger(options.getToken.verbose, options.getToken.noColor);
    const kubeconfig = kubeconfigFiles(options.kubeconfig.kubeconfig)[0]!;
    const kuberc = kubercFile();
    const { loginCommand } = await import('../commands/login/login.js');
    const { report, failure } = await loginCommand(
      options,
      { kubeconfig, kuberc, command: ownCommand() },
      ambientOf(log),
      startEnvironment,
    );
    printReport(report);
    if (failure) throw failure;
  });
};
