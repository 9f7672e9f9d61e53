import { parseExecInfo } from '../../hit/exec-credential.js';
import { getTokenOptionsOf } from '../../options/parse.js';
import { openStore } from '../../session/open-store.js';
import { openOnce } from '../../session/read-once.js';
import { type CommandSpec, EXAMPLE_ISSUER, EXAMPLE_ISSUER_LINES } from '../command.js';

/** get-token with its flags read by commander: the cache-hit parser declined them (or --force-refresh was given). */
export const command: CommandSpec = {
  description: 'print an ExecCredential for kubectl, logging in or refreshing when needed',
  examples: [
    "# What kubectl runs before each command (a kubeconfig user's exec)",
    'kubectl-oidc get-token \\',
    `  ${EXAMPLE_ISSUER}`,
    '# Without a browser here: a code to enter on another device',
    `kubectl-oidc get-token ${EXAMPLE_ISSUER_LINES} \\`,
    '  --grant-type=device-code',
    '# A new token now, whatever is cached',
    `kubectl-oidc get-token ${EXAMPLE_ISSUER_LINES} \\`,
    '  --force-refresh',
  ],
  run: async ({ groups, ambient, klogFlags, args, startEnvironment, env }) => {
    const options = getTokenOptionsOf(groups);
    const run = ambient(options.verbose, options.noColor);
    if (klogFlags.length > 0) run.log.debug(`ignoring kubelogin's logging flags ${klogFlags.join(' ')} (kubectl-oidc logs with -v alone)`);
    const { getToken } = await import('./get-token.js');
    const store = openOnce(() => openStore(options.cache, run));
    await getToken({ options, run: { args, env: startEnvironment }, store }, parseExecInfo(env.KUBERNETES_EXEC_INFO), run);
  },
};
