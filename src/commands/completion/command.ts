import { completionScript, SHELLS, type Shell } from '../../options/completion.js';
import type { CommandSpec } from '../command.js';

export const command: CommandSpec = {
  description: 'print the shell completion script (kubectl oidc completes through kubectl_complete-oidc)',
  examples: ['# Completion in this bash (zsh, fish and powershell alike)', 'source <(kubectl-oidc completion bash)'],
  argument: { name: '<shell>', description: 'bash, zsh, fish or powershell', choices: SHELLS },
  run: ({ argument, print }) => {
    print(completionScript(argument as Shell));
  },
};
