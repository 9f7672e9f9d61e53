import type { Row } from '../row.js';

/** Help's "Network and TLS:" section: how to reach the IdP. */
export const NETWORK_ROWS = [
  {
    name: 'oidc-request-header',
    section: 'network',
    kind: 'map',
    group: 'provider',
    key: 'requestHeaders',
    value: '<key=value>',
    description: 'extra HTTP header for requests to the provider (repeatable)',
    sessionKey: 'headers',
  },
  // The CA identity by reference (file paths, data): reading files for the key would slow down every cache hit.
  {
    name: 'certificate-authority',
    section: 'network',
    local: (file) =>
      `a file on this machine: every machine using this kubeconfig needs ${file}, or give its PEM as --certificate-authority-data`,
    kind: 'list',
    path: true,
    group: 'provider',
    key: 'certificateAuthorityFiles',
    value: '<file>',
    description: 'PEM file of a CA to trust for the provider, besides the system CAs (repeatable)',
    sessionKey: 'ca',
  },
  {
    name: 'certificate-authority-data',
    section: 'network',
    kind: 'list',
    group: 'provider',
    key: 'certificateAuthorityData',
    value: '<base64>',
    description: 'base64 PEM of a CA to trust for the provider (repeatable)',
    sessionKey: 'ca',
  },
  {
    name: 'insecure-skip-tls-verify',
    section: 'network',
    local: () =>
      "turns off the IdP certificate check for everyone using this kubeconfig: give the IdP's CA with --certificate-authority-data instead",
    kind: 'boolean',
    group: 'provider',
    key: 'insecureSkipTlsVerify',
    description: 'do not verify the provider certificate (insecure)',
    sessionKey: 'ca',
  },
  {
    name: 'idp-timeout-sec',
    section: 'network',
    kind: 'int',
    group: 'provider',
    key: 'requestTimeoutSec',
    value: '<seconds>',
    description: 'give up each request to the IdP after this long (connecting: at most 10 s of it)',
    min: 1,
    default: 20,
  },
] as const satisfies readonly Row[];
