import { getTokenOptionsOf } from '../../options/parse.js';
import type { SetupOptions } from '../../options/types.js';
import { type CommandSpec, EXAMPLE_ISSUER_LINES } from '../command.js';

/** The report's verdict marks in colour, and nothing else: ✓ green, ! yellow, ✗ red. */
const paintMarks = (report: string): string =>
  report.replace(/^(\s*)([✓!✗]) /gm, (_, indent: string, mark: string) => {
    const color = mark === '✓' ? 32 : mark === '!' ? 33 : 31;
    return `${indent}\x1b[${color}m${mark}\x1b[39m `;
  });

export const command: CommandSpec = {
  description:
    'check the issuer, log in once, show the claims and what kube-apiserver makes of them, and print the configuration for both sides',
  examples: [
    '# Log in once: claims, what kube-apiserver makes of them, its configuration',
    `kubectl-oidc setup ${EXAMPLE_ISSUER_LINES} \\`,
    '  --oidc-extra-scope=email,groups',
    "# Judged by the cluster's own AuthenticationConfiguration, as JSON",
    `kubectl-oidc setup ${EXAMPLE_ISSUER_LINES} \\`,
    '  --authentication-config=auth-config.yaml -o json',
  ],
  run: async ({ groups, ambient, print, startEnvironment }) => {
    const options = { getToken: getTokenOptionsOf(groups), apiserver: groups.apiserver, ...groups.setup } as SetupOptions;
    const run = ambient(options.getToken.verbose, options.getToken.noColor);
    const { setup } = await import('./setup.js');
    const { report, failure } = await setup(options, run, startEnvironment);
    print(report, paintMarks);
    if (failure) throw failure;
  },
};
