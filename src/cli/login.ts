import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { getTokenOptionsOf } from '../options/parse.js';
import type { LoginCommandOptions } from '../options/types.js';
import { ambientOf, runLogger } from './ambient.js';
import { startEnvironment } from './environment.js';
import { kubeconfigFiles, kubercFile } from './kube-files.js';
import { addOptions, groupsOf } from './options.js';
import { printReport } from './report.js';

const EXECUTABLE = process.platform === 'win32' ? 'kubectl-oidc.exe' : 'kubectl-oidc';

/**
 * The command the kubeconfig's user runs, by absolute path: kubectl-oidc as PATH finds it (what krew, Homebrew or npm
 * put there, stable across upgrades), else the file this process was started from.
 */
const ownCommand = (): string => {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter((d) => isAbsolute(d))) {
    try {
      accessSync(join(dir, EXECUTABLE), constants.X_OK);
      return join(dir, EXECUTABLE);
    } catch {
      // not here
    }
  }
  // The compiled executable is the process itself (its argv[1] is inside Bun's virtual file system); Node runs
  // bin/kubectl-oidc as its script.
  const script = process.argv[1];
  return process.versions.bun || !script ? process.execPath : resolve(script);
};

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
    const { loginCommand } = await import('../login-command/login-command.js');
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
