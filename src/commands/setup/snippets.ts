import { Document, type Scalar, stringify, type YAMLSeq } from 'yaml';
import { execConfig, kubeconfigArgs } from '../../options/kubeconfig-args.js';
import type { GetTokenOptions } from '../../options/types.js';
import { shellQuote } from '../../shell-quote.js';
import { type LegacyFlags, legacyUsernamePrefix } from './judge.js';

const REDACTED = '<redacted: see --show-secrets>';

/** kubectl reads --exec-arg as CSV (a comma splits it): quote the fields that need it. */
const csvField = (value: string): string => (/[,"]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

export interface Snippets {
  kubectlCommand: string;
  /** The args that may suit only this machine, each with why. */
  localArgs: { arg: string; why: string }[];
  kubeconfigUser: string;
  apiserverFlags: string[];
  /** What an admin must know about the flags: where the CA file must be, a groups mapping to consider. */
  apiserverNotes: string[];
  authenticationConfiguration: string;
  clusterRoleBinding: string;
}

/** What the API server needs beyond the flags the user gave: the IdP's private CA, a groups claim worth mapping. */
export interface ClusterTrust {
  caFile?: string;
  caPem?: string;
  suggestedGroupsClaim?: string;
}

export const snippets = (
  options: GetTokenOptions,
  legacy: LegacyFlags,
  subject: { username?: string; group?: string },
  settings: { userName: string; showSecrets: boolean; command: string },
  cluster: ClusterTrust = {},
): Snippets => {
  const { args, env: secrets, local } = kubeconfigArgs(options);
  const env = secrets.map(({ name, value }) => ({ name, value: settings.showSecrets ? value : REDACTED }));
  const kubectlCommand = [
    `kubectl config set-credentials ${shellQuote(settings.userName)}`,
    '--exec-api-version=client.authentication.k8s.io/v1',
    '--exec-interactive-mode=IfAvailable',
    `--exec-command=${shellQuote(settings.command)}`,
    ...args.map((arg) => shellQuote(`--exec-arg=${csvField(arg)}`)),
    ...env.map((e) => `--exec-env=${shellQuote(`${e.name}=${e.value}`)}`),
  ].join(' \\\n  ');
  const user = new Document({
    users: [
      {
        name: settings.userName,
        user: {
          exec: execConfig(settings.command, args, env),
        },
      },
    ],
  });
  // What suits only this machine is said beside the arg it was copied into.
  const argNodes = user.getIn(['users', 0, 'user', 'exec', 'args'], true) as YAMLSeq<Scalar<string>>;
  for (const node of argNodes.items) {
    const why = local.get(node.value);
    if (why) node.comment = ` ! ${why}`;
  }
  const kubeconfigUser = user.toString();
  const apiserverFlags = [
    `--oidc-issuer-url=${legacy.issuerUrl}`,
    `--oidc-client-id=${legacy.clientId}`,
    `--oidc-username-claim=${legacy.usernameClaim}`,
    ...(legacy.usernamePrefix !== undefined ? [`--oidc-username-prefix=${legacy.usernamePrefix}`] : []),
    ...(legacy.groupsClaim ? [`--oidc-groups-claim=${legacy.groupsClaim}`] : []),
    ...(legacy.groupsPrefix !== undefined ? [`--oidc-groups-prefix=${legacy.groupsPrefix}`] : []),
    ...Object.entries(legacy.requiredClaims).map(([k, v]) => `--oidc-required-claim=${k}=${v}`),
    ...(legacy.signingAlgs.join(',') !== 'RS256' ? [`--oidc-signing-algs=${legacy.signingAlgs.join(',')}`] : []),
    ...(cluster.caPem ? [`--oidc-ca-file=${cluster.caFile ?? '<the IdP CA file>'}`] : []),
  ];
  const apiserverNotes = [
    ...(cluster.caPem
      ? [
          `--oidc-ca-file is read on the API server's hosts: copy the IdP's CA${cluster.caFile ? ` (${cluster.caFile})` : ''} ` +
            'there and give that path',
        ]
      : []),
    ...(cluster.suggestedGroupsClaim
      ? [`to map the token's groups too: --oidc-groups-claim=${cluster.suggestedGroupsClaim} --oidc-groups-prefix=oidc:`]
      : []),
  ];
  const usernamePrefix = legacyUsernamePrefix(legacy);
  const authenticationConfiguration = stringify({
    apiVersion: 'apiserver.config.k8s.io/v1',
    kind: 'AuthenticationConfiguration',
    jwt: [
      {
        issuer: {
          url: legacy.issuerUrl,
          ...(cluster.caPem ? { certificateAuthority: `${cluster.caPem}\n` } : {}),
          audiences: [legacy.clientId],
        },
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
    metadata: {
      name: `oidc-${(subject.group ?? subject.username ?? 'user')
        .toLowerCase()
        .replace(/[^a-z0-9.-]+/g, '-')
        .replace(/^-+|-+$/g, '')}-view`,
    },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
    subjects: [subjectEntry],
  });
  const localArgs = [...local].map(([arg, why]) => ({ arg, why }));
  return { kubectlCommand, localArgs, kubeconfigUser, apiserverFlags, apiserverNotes, authenticationConfiguration, clusterRoleBinding };
};
