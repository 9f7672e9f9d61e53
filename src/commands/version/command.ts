import type { CommandSpec } from '../command.js';

declare const __VERSION__: string;
export const VERSION = typeof __VERSION__ === 'string' ? __VERSION__ : '0.0.0-dev';

export const command: CommandSpec = {
  description: 'print the version (as --version)',
  examples: ['kubectl-oidc version'],
  run: ({ print }) => {
    print(`${VERSION}\n`);
  },
};
