import { kubeconfigFiles, kubercFile } from '../../kubeconfig/files.js';
import { getTokenOptionsOf } from '../../options/parse.js';
import type { LoginCommandOptions } from '../../options/types.js';
import { type CommandSpec, EXAMPLE_CLUSTER, EXAMPLE_ISSUER_LINES } from '../command.js';

export const command: CommandSpec = {
  description:
    "log in (with setup's checks, briefly) and write the kubeconfig's user, cluster and context for it; --oidc-audience for one login across clusters",
  examples: [
    '# Log in, and write the user, cluster and context into your kubeconfig',
    `kubectl-oidc login ${EXAMPLE_ISSUER_LINES} \\`,
    '  --oidc-extra-scope=email,groups --oidc-username-claim=email \\',
    '  --oidc-groups-claim=groups \\',
    `  ${EXAMPLE_CLUSTER} --set-current`,
    '# What it would write, as a diff',
    `kubectl-oidc login ${EXAMPLE_ISSUER_LINES} \\`,
    `  ${EXAMPLE_CLUSTER} --dry-run`,
  ],
  run: async ({ groups, ambient, print, ownCommand, startEnvironment, env }) => {
    const options = {
      getToken: getTokenOptionsOf(groups),
      apiserver: groups.apiserver ?? {},
      kubeconfig: groups.kubeconfig,
      ...groups.setup,
    } as LoginCommandOptions;
    const run = ambient(options.getToken.verbose, options.getToken.noColor);
    const files = { kubeconfig: kubeconfigFiles(options.kubeconfig.kubeconfig, env)[0]!, kuberc: kubercFile(env), command: ownCommand() };
    const { loginCommand } = await import('./login.js');
    const { report, failure } = await loginCommand(options, files, run, startEnvironment);
    print(report);
    if (failure) throw failure;
  },
};
