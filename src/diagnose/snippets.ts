import { stringify } from 'yaml';
import type { GetTokenOptions } from '../options.js';
import type { LegacyFlags } from './judge.js';

const REDACTED = '<redacted: see --show-secrets>';

/** The get-token arguments this setup used, for the kubeconfig. The client secret goes to the exec env, not argv. */
export const getTokenArgs = (options: GetTokenOptions): string[] => {
  const { provider, login } = options;
  const args = ['get-token', `--oidc-issuer-url=${provider.issuerUrl}`, `--oidc-client-id=${provider.clientId}`];
  for (const scope of provider.extraScopes) args.push(`--oidc-extra-scope=${scope}`);
  if (login.redirectUrl) args.push(`--oidc-redirect-url=${login.redirectUrl}`);
  if (login.pkceMethod !== 'auto') args.push(`--oidc-pkce-method=${login.pkceMethod}`);
  for (const address of login.listenAddresses) args.push(`--listen-address=${address}`);
  for (const [key, value] of Object.entries(login.authRequestExtraParams)) args.push(`--oidc-auth-request-extra-params=${key}=${value}`);
  for (const [key, value] of Object.entries(provider.requestHeaders)) args.push(`--oidc-request-header=${key}=${value}`);
  for (const file of provider.certificateAuthorityFiles) args.push(`--certificate-authority=${file}`);
  for (const data of provider.certificateAuthorityData) args.push(`--certificate-authority-data=${data}`);
  if (provider.insecureSkipTlsVerify) args.push('--insecure-skip-tls-verify');
  if (options.useAccessToken) args.push('--oidc-use-access-token');
  if (login.loginHint) args.push(`--login-hint=${login.loginHint}`);
  if (options.account) args.push(`--account=${options.account}`);
  return args;
};

/** kubectl reads --exec-arg as CSV (a comma splits it): quote the fields that need it. */
const csvField = (value: string): string => (/[,"]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

const shellQuote = (word: string): string => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);

export interface Snippets {
  kubectlCommand: string;
  kubeconfigUser: string;
  apiserverFlags: string[];
  authenticationConfiguration: string;
  clusterRoleBinding: string;
}

export const snippets = (
  options: GetTokenOptions,
  legacy: LegacyFlags,
  subject: { username?: string; group?: string },
  settings: { userName: string; showSecrets: boolean; command: string },
): Snippets => {
  const args = getTokenArgs(options);
  const secret = options.provider.clientSecret;
  const env = secret ? [{ name: 'KUBECTL_OIDC_CLIENT_SECRET', value: settings.showSecrets ? secret : REDACTED }] : [];
  const kubectlCommand = [
    `kubectl config set-credentials ${shellQuote(settings.userName)}`,
    '--exec-api-version=client.authentication.k8s.io/v1',
    '--exec-interactive-mode=IfAvailable',
    `--exec-command=${shellQuote(settings.command)}`,
    ...args.map((arg) => shellQuote(`--exec-arg=${csvField(arg)}`)),
    ...env.map((e) => `--exec-env=${shellQuote(`${e.name}=${e.value}`)}`),
  ].join(' \\\n  ');
  const kubeconfigUser = stringify({
    users: [
      {
        name: settings.userName,
        user: {
          exec: {
            apiVersion: 'client.authentication.k8s.io/v1',
            interactiveMode: 'IfAvailable',
            command: settings.command,
            args,
            ...(env.length ? { env } : {}),
          },
        },
      },
    ],
  });
  const apiserverFlags = [
    `--oidc-issuer-url=${legacy.issuerUrl}`,
    `--oidc-client-id=${legacy.clientId}`,
    `--oidc-username-claim=${legacy.usernameClaim}`,
    ...(legacy.usernamePrefix !== undefined ? [`--oidc-username-prefix=${legacy.usernamePrefix}`] : []),
    ...(legacy.groupsClaim ? [`--oidc-groups-claim=${legacy.groupsClaim}`] : []),
    ...(legacy.groupsPrefix !== undefined ? [`--oidc-groups-prefix=${legacy.groupsPrefix}`] : []),
    ...Object.entries(legacy.requiredClaims).map(([k, v]) => `--oidc-required-claim=${k}=${v}`),
    ...(legacy.signingAlgs.join(',') !== 'RS256' ? [`--oidc-signing-algs=${legacy.signingAlgs.join(',')}`] : []),
  ];
  const usernamePrefix =
    legacy.usernamePrefix === undefined ? (legacy.usernameClaim === 'email' ? '' : `${legacy.issuerUrl}#`) : legacy.usernamePrefix === '-' ? '' : legacy.usernamePrefix;
  const authenticationConfiguration = stringify({
    apiVersion: 'apiserver.config.k8s.io/v1',
    kind: 'AuthenticationConfiguration',
    jwt: [
      {
        issuer: { url: legacy.issuerUrl, audiences: [legacy.clientId] },
        claimMappings: {
          username: { claim: legacy.usernameClaim, prefix: usernamePrefix },
          ...(legacy.groupsClaim ? { groups: { claim: legacy.groupsClaim, prefix: legacy.groupsPrefix ?? '' } } : {}),
        },
        ...(Object.keys(legacy.requiredClaims).length
          ? { claimValidationRules: Object.entries(legacy.requiredClaims).map(([claim, requiredValue]) => ({ claim, requiredValue })) }
          : {}),
      },
    ],
  });
  const subjectEntry = subject.group
    ? { kind: 'Group', name: subject.group, apiGroup: 'rbac.authorization.k8s.io' }
    : { kind: 'User', name: subject.username ?? '<username>', apiGroup: 'rbac.authorization.k8s.io' };
  const clusterRoleBinding = stringify({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: `oidc-${(subject.group ?? subject.username ?? 'user').toLowerCase().replace(/[^a-z0-9.-]+/g, '-').replace(/^-+|-+$/g, '')}-view` },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
    subjects: [subjectEntry],
  });
  return { kubectlCommand, kubeconfigUser, apiserverFlags, authenticationConfiguration, clusterRoleBinding };
};
