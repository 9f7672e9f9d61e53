import { homedir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { PluginError } from '../errors.js';
import { parseListenAddress } from '../loopback/redirect.js';
import type { CacheStorage, GetTokenOptions, GrantType, PkceMethod } from '../options.js';

/** Every flag can also come from KUBECTL_OIDC_<FLAG> (without a leading "oidc-"), so secrets need not sit in argv. */
export const envName = (flag: string): string =>
  `KUBECTL_OIDC_${(flag.startsWith('oidc-') ? flag.slice(5) : flag).split('-').join('_').toUpperCase()}`;

/** A flag's value that does not parse; the commander layer turns it into its usage error. */
export class FlagValueError extends Error {}

/** Repeatable list flags also take space- or comma-separated lists (handy in one environment variable). */
export const collectList = (value: string, previous: string[] = []): string[] => [
  ...previous,
  ...value.split(/[\s,]+/).filter((item) => item !== ''),
];

/** Listen addresses are checked as they are read, so a bad one is a usage error whatever the grant. */
const collectListenAddresses = (value: string, previous: string[] = []): string[] => {
  const next = collectList(value, previous);
  for (const address of next.slice(previous.length)) {
    try {
      parseListenAddress(address);
    } catch (err) {
      throw new FlagValueError((err as Error).message);
    }
  }
  return next;
};

export const collectKeyValue =
  (name: string) =>
  (value: string, previous: Record<string, string> = {}): Record<string, string> => {
    const next = { ...previous };
    for (const pair of value.split(/,(?=[^,=]+=)/)) {
      const at = pair.indexOf('=');
      if (at <= 0) throw new FlagValueError(`${name} takes key=value, got "${pair}"`);
      next[pair.slice(0, at).trim()] = pair.slice(at + 1);
    }
    return next;
  };

const choice = <T extends string>(values: readonly T[]) => (value: string): T => {
  if (!(values as readonly string[]).includes(value)) {
    throw new FlagValueError(`allowed: ${values.join(', ')}`);
  }
  return value as T;
};

const positiveInt = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new FlagValueError('expected a positive whole number of seconds');
  return n;
};

const nonNegativeInt = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new FlagValueError('expected a whole number of seconds');
  return n;
};

export const defaultCacheDir = (): string => join(process.env.KUBECACHEDIR || join(homedir(), '.kube', 'cache'), 'kubectl-oidc');

export interface FlagSpec {
  /** Long name without dashes, e.g. oidc-issuer-url. */
  name: string;
  /** Placeholder of the value, e.g. <url>; absent for a boolean flag. */
  value?: string;
  description: string;
  /** Reads one occurrence; gets the value so far (the default first) for repeatable flags. */
  parse?: (value: string, previous: never) => unknown;
  /** The default, or a function that computes it when the flags are read (it may depend on the environment). */
  default?: unknown;
  defaultDescription?: string;
  /** A provider flag: required by get-token and setup, optional for logout --all. */
  provider?: boolean;
}

/**
 * The flags of get-token, named and typed as kubelogin's so a kubeconfig migrates by changing only the command. One
 * table for commander (help and errors) and for the cache-hit fast path, so both read flags the same way.
 */
export const GET_TOKEN_FLAGS: FlagSpec[] = [
  { name: 'oidc-issuer-url', value: '<url>', description: 'issuer URL of the OpenID Connect provider', provider: true },
  { name: 'oidc-client-id', value: '<id>', description: 'client ID registered at the provider', provider: true },
  { name: 'oidc-client-secret', value: '<secret>', description: 'client secret, for confidential clients (prefer the environment variable or a file)' },
  { name: 'oidc-client-secret-file', value: '<file>', description: 'read the client secret from this file' },
  { name: 'oidc-client-assertion-file', value: '<file>', description: 'authenticate the client with the JWT in this file (e.g. a projected service-account token), read on every run' },
  { name: 'oidc-extra-scope', value: '<scopes>', description: 'scope to request besides openid (repeatable, or a space/comma list)', parse: collectList as FlagSpec['parse'], default: [] },
  { name: 'oidc-redirect-url', value: '<url>', description: 'exact redirect URI registered at the provider (default http://localhost:<port>)' },
  { name: 'oidc-redirect-url-authcode-keyboard', value: '<url>', description: 'redirect URI for --grant-type=authcode-keyboard', default: 'urn:ietf:wg:oauth:2.0:oob' },
  { name: 'username', value: '<name>', description: 'user for --grant-type=password; service account for Authentik client credentials' },
  { name: 'password', value: '<password>', description: 'password or app password (prefer the environment variable, a file or --password-command)' },
  { name: 'password-file', value: '<file>', description: 'read the password from this file' },
  { name: 'password-command', value: '<command>', description: 'run this command (e.g. a password manager) and use its output as the password' },
  { name: 'oidc-use-access-token', description: 'give kubectl the access token instead of the ID token' },
  { name: 'oidc-pkce-method', value: '<method>', description: 'PKCE: auto, S256 (force even if discovery omits it), no', parse: choice<PkceMethod>(['auto', 'S256', 'no']), default: 'auto' },
  { name: 'oidc-auth-request-extra-params', value: '<key=value>', description: 'extra authorization request parameter (repeatable)', parse: collectKeyValue('--oidc-auth-request-extra-params') as FlagSpec['parse'], default: {} },
  { name: 'oidc-request-header', value: '<key=value>', description: 'extra HTTP header for requests to the provider (repeatable)', parse: collectKeyValue('--oidc-request-header') as FlagSpec['parse'], default: {} },
  { name: 'listen-address', value: '<host:port>', description: 'loopback address for the callback, tried in order (repeatable; default 127.0.0.1:8000 then 127.0.0.1:18000; :0 = any free port)', parse: collectListenAddresses as FlagSpec['parse'], default: [] },
  { name: 'browser-command', value: '<command>', description: 'command that opens the login URL (gets the URL as its argument)' },
  { name: 'skip-open-browser', description: 'do not open a browser; only print the URL' },
  { name: 'authentication-timeout-sec', value: '<seconds>', description: 'give up the login after this long', parse: positiveInt, default: 180 },
  { name: 'certificate-authority', value: '<file>', description: 'PEM file of a CA to trust for the provider, besides the system CAs (repeatable)', parse: collectList as FlagSpec['parse'], default: [] },
  { name: 'certificate-authority-data', value: '<base64>', description: 'base64 PEM of a CA to trust for the provider (repeatable)', parse: collectList as FlagSpec['parse'], default: [] },
  { name: 'insecure-skip-tls-verify', description: 'do not verify the provider certificate (insecure)' },
  { name: 'token-cache-dir', value: '<dir>', description: 'directory of the token cache', default: defaultCacheDir, defaultDescription: '$KUBECACHEDIR/kubectl-oidc or ~/.kube/cache/kubectl-oidc' },
  { name: 'token-cache-storage', value: '<storage>', description: 'where tokens are kept: keyring (sealed with a key in the OS keychain; 0600 files when there is none), disk, none', parse: choice<CacheStorage>(['keyring', 'disk', 'none']), default: 'keyring' },
  { name: 'token-expiry-margin', value: '<seconds>', description: 'treat a cached token as expired this long before it expires', parse: nonNegativeInt, default: 60 },
  { name: 'login-cooldown', value: '<seconds>', description: 'after an abandoned login, fail non-interactive runs fast for this long instead of opening another tab', parse: nonNegativeInt, default: 60 },
  { name: 'login-hint', value: '<hint>', description: 'sent to the IdP as login_hint, to pick one of several accounts' },
  { name: 'account', value: '<name>', description: 'keeps sessions of several accounts at one IdP apart' },
  { name: 'force-refresh', description: 'ignore a valid cached token and refresh or log in' },
  { name: 'grant-type', value: '<type>', description: 'auto, authcode, authcode-keyboard, device-code, client-credentials, password', parse: choice<GrantType>(['auto', 'authcode', 'authcode-keyboard', 'device-code', 'client-credentials', 'password']), default: 'auto' },
];

export const defaultOf = (spec: FlagSpec): unknown => (typeof spec.default === 'function' ? (spec.default as () => unknown)() : spec.default);

/** commander's attribute name for a flag: oidc-issuer-url → oidcIssuerUrl. */
export const attributeName = (name: string): string =>
  name
    .split('-')
    .map((word, i) => (i === 0 ? word : word.charAt(0).toUpperCase() + word.slice(1)))
    .join('');

export interface RawGetTokenFlags {
  oidcIssuerUrl: string;
  oidcClientId: string;
  oidcClientSecret?: string;
  oidcClientSecretFile?: string;
  oidcClientAssertionFile?: string;
  oidcRedirectUrlAuthcodeKeyboard: string;
  username?: string;
  password?: string;
  passwordFile?: string;
  passwordCommand?: string;
  oidcExtraScope: string[];
  oidcRedirectUrl?: string;
  oidcUseAccessToken?: boolean;
  oidcPkceMethod: PkceMethod;
  oidcAuthRequestExtraParams: Record<string, string>;
  oidcRequestHeader: Record<string, string>;
  listenAddress: string[];
  browserCommand?: string;
  skipOpenBrowser?: boolean;
  authenticationTimeoutSec: number;
  certificateAuthority: string[];
  certificateAuthorityData: string[];
  insecureSkipTlsVerify?: boolean;
  tokenCacheDir: string;
  tokenCacheStorage: CacheStorage;
  tokenExpiryMargin: number;
  loginCooldown: number;
  loginHint?: string;
  account?: string;
  forceRefresh?: boolean;
  grantType: GrantType;
  v: number | true;
}

/** A secret kept in a file: its content without the trailing newline editors add. */
const readSecretFile = (file: string, flagName: string): string => {
  try {
    return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    throw new PluginError('usage', `cannot read ${flagName} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
};

export const toGetTokenOptions = (raw: RawGetTokenFlags): GetTokenOptions => {
  const clientSecret = raw.oidcClientSecretFile ? readSecretFile(raw.oidcClientSecretFile, '--oidc-client-secret-file') : raw.oidcClientSecret;
  const password = raw.passwordFile ? readSecretFile(raw.passwordFile, '--password-file') : raw.password;
  return {
  provider: {
    issuerUrl: raw.oidcIssuerUrl,
    clientId: raw.oidcClientId,
    ...(clientSecret ? { clientSecret } : {}),
    ...(raw.oidcClientAssertionFile ? { clientAssertionFile: raw.oidcClientAssertionFile } : {}),
    extraScopes: raw.oidcExtraScope,
    requestHeaders: raw.oidcRequestHeader,
    certificateAuthorityFiles: raw.certificateAuthority,
    certificateAuthorityData: raw.certificateAuthorityData,
    insecureSkipTlsVerify: raw.insecureSkipTlsVerify === true,
  },
  login: {
    ...(raw.oidcRedirectUrl ? { redirectUrl: raw.oidcRedirectUrl } : {}),
    pkceMethod: raw.oidcPkceMethod,
    authRequestExtraParams: raw.oidcAuthRequestExtraParams,
    listenAddresses: raw.listenAddress,
    ...(raw.browserCommand ? { browserCommand: raw.browserCommand } : {}),
    skipOpenBrowser: raw.skipOpenBrowser === true,
    authenticationTimeoutSec: raw.authenticationTimeoutSec,
    grantType: raw.grantType,
    ...(raw.loginHint ? { loginHint: raw.loginHint } : {}),
    keyboardRedirectUrl: raw.oidcRedirectUrlAuthcodeKeyboard,
    ...(raw.username ? { username: raw.username } : {}),
    ...(password ? { password } : {}),
    ...(raw.passwordCommand ? { passwordCommand: raw.passwordCommand } : {}),
  },
  cache: {
    tokenCacheDir: raw.tokenCacheDir,
    tokenCacheStorage: raw.tokenCacheStorage,
    tokenExpiryMarginSec: raw.tokenExpiryMargin,
    loginCooldownSec: raw.loginCooldown,
  },
  ...(raw.account ? { account: raw.account } : {}),
  useAccessToken: raw.oidcUseAccessToken === true,
  forceRefresh: raw.forceRefresh === true,
  verbose: raw.v === true ? 1 : raw.v,
  };
};
