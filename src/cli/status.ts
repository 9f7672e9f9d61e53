import { Option, type Command } from 'commander';
import { defaultCacheDir } from './flags.js';

export const registerStatus = (program: Command): void => {
  program
    .command('status')
    .description('list the cached sessions (never a token)')
    .addOption(new Option('--token-cache-dir <dir>', 'directory of the token cache').default(defaultCacheDir(), '$KUBECACHEDIR/kubectl-oidc or ~/.kube/cache/kubectl-oidc').env('KUBECTL_OIDC_TOKEN_CACHE_DIR'))
    .addOption(new Option('-o, --output <format>', 'table or json').choices(['table', 'json']).default('table'))
    .action(async (raw: { tokenCacheDir: string; output: 'table' | 'json' }) => {
      const { status } = await import('../credential/status.js');
      await status(raw.tokenCacheDir, raw.output);
    });
};
