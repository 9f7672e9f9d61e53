import type { StatusOptions } from '../../options/types.js';
import type { CommandSpec } from '../command.js';

export const command: CommandSpec = {
  description: 'list the cached sessions (never a token)',
  examples: ['# The sessions: issuer, client, user, expiry, storage (never a token)', 'kubectl-oidc status', 'kubectl-oidc status -o json'],
  run: async ({ groups, ambient, print }) => {
    const { clock } = ambient(Number(groups.run?.verbose ?? 0));
    const options = { cache: groups.cache, ...groups.status } as StatusOptions;
    const { status } = await import('./status.js');
    print(await status(options.cache.tokenCacheDir, options.output, clock));
  },
};
