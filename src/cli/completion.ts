import { Argument, type Command } from 'commander';
import { completionScript, SHELLS, type Shell } from '../options/completion.js';
import { printReport } from './report.js';

export const registerCompletion = (program: Command): void => {
  program
    .command('completion')
    .description('print the shell completion script (kubectl oidc completes through kubectl_complete-oidc)')
    .addArgument(new Argument('<shell>', 'bash, zsh, fish or powershell').choices(SHELLS))
    .action((shell: Shell) => printReport(completionScript(shell)));
};
