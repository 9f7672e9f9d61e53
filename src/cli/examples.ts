import type { CommandName } from '../options/commands.js';

// What a person runs most with each command, at the end of its help (kubectl's help is the model), and where to start,
// at the end of the root help. Lines fit 80 columns with their indent.

const ISSUER = '--oidc-issuer-url=https://idp.example.com --oidc-client-id=kubernetes';
const CLUSTER = '--context=dev --server=https://dev.example.com:6443 \\\n  --cluster-ca=dev-ca.pem';

export const EXAMPLES: Record<CommandName, string[]> = {
  'get-token': [
    "# What kubectl runs before each command (a kubeconfig user's exec)",
    'kubectl-oidc get-token \\',
    `  ${ISSUER}`,
    '# Without a browser here: a code to enter on another device',
    `kubectl-oidc get-token ${ISSUER.replace(' ', ' \\\n  ')} \\`,
    '  --grant-type=device-code',
    '# A new token now, whatever is cached',
    `kubectl-oidc get-token ${ISSUER.replace(' ', ' \\\n  ')} \\`,
    '  --force-refresh',
  ],
  setup: [
    '# Log in once: claims, what kube-apiserver makes of them, its configuration',
    `kubectl-oidc setup ${ISSUER.replace(' ', ' \\\n  ')} \\`,
    '  --oidc-extra-scope=email,groups',
    "# Judged by the cluster's own AuthenticationConfiguration, as JSON",
    `kubectl-oidc setup ${ISSUER.replace(' ', ' \\\n  ')} \\`,
    '  --authentication-config=auth-config.yaml -o json',
  ],
  login: [
    '# Log in, and write the user, cluster and context into your kubeconfig',
    `kubectl-oidc login ${ISSUER.replace(' ', ' \\\n  ')} \\`,
    '  --oidc-extra-scope=email,groups --oidc-username-claim=email \\',
    '  --oidc-groups-claim=groups \\',
    `  ${CLUSTER} --set-current`,
    '# What it would write, as a diff',
    `kubectl-oidc login ${ISSUER.replace(' ', ' \\\n  ')} \\`,
    `  ${CLUSTER} --dry-run`,
  ],
  logout: [
    '# Revoke and remove the session of this issuer and client',
    `kubectl-oidc logout ${ISSUER.replace(' ', ' \\\n  ')}`,
    '# Every session',
    'kubectl-oidc logout --all',
  ],
  clean: ['# Remove every session, revoking refresh tokens, as kubelogin clean does', 'kubectl-oidc clean'],
  status: ['# The sessions: issuer, client, user, expiry, storage (never a token)', 'kubectl-oidc status', 'kubectl-oidc status -o json'],
  migrate: [
    '# What would change in your kubeconfig, as a diff',
    'kubectl-oidc migrate --dry-run',
    '# Rewrite the kubelogin users to run kubectl-oidc, sessions imported',
    'kubectl-oidc migrate',
  ],
  completion: ['# Completion in this bash (zsh, fish and powershell alike)', 'source <(kubectl-oidc completion bash)'],
  version: ['kubectl-oidc version'],
};

const indented = (lines: string[]): string[] => lines.flatMap((line) => line.split('\n')).map((line) => `  ${line}`);

export const WHERE_TO_START = [
  'Where to start:',
  ...indented([
    '# A cluster to use: log in, and get a kubeconfig context that works',
    `kubectl-oidc login ${ISSUER.replace(' ', ' \\\n  ')} \\`,
    `  ${CLUSTER}`,
    '# Flags to find or an IdP to check: what the cluster makes of your token',
    `kubectl-oidc setup ${ISSUER.replace(' ', ' \\\n  ')}`,
    '# Coming from kubelogin',
    'kubectl-oidc migrate --dry-run',
  ]),
].join('\n');

/** A command's examples as its help's last section. */
export const examplesSection = (command: CommandName): string => ['', 'Examples:', ...indented(EXAMPLES[command])].join('\n');
