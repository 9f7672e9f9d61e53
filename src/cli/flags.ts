import { homedir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { PluginError } from '../errors.js';
import { parseListenAddress } from '../loopback/redirect.js';
import type { CacheStorage, GetTokenOptions, GrantType, PkceMethod } from '../options.js';

/** Every flag can also come from KUBECTL_OIDC_<FLAG> (without a leading "oidc-"), so secrets need not sit in argv. */
export const envName = (flag: string): string =>
  `KUBECTL_OIDC_${flag.replace(/^oidc-/, '').replace(/-/g, '_').toUpperCase()}`;

const flag = (flags: string, description: string): Option => {
  const long = /--([a-z0-9-]+)/.exec(flags)?.[1] ?? '';
  return new Option(flags, description).env(envName(long));
};

/** Repeatable list flags also take space- or comma-separated lists (handy in one environment variable). */
const collectList = (value: string, previous: string[] = []): string[] => [
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
      throw new InvalidArgumentError((err as Error).message);
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
      if (at <= 0) throw new InvalidArgumentError(`${name} takes key=value, got "${pair}"`);
      next[pair.slice(0, at).trim()] = pair.slice(at + 1);
    }
    return next;
  };

const choice = <T extends string>(values: readonly T[]) => (value: string): T => {
  if (!(values as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`allowed: ${values.join(', ')}`);
  }
  return value as T;
};

const positiveInt = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive whole number of seconds');
  return n;
};

const nonNegativeInt = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number of seconds');
  return n;
};

const verbosity = (value: string | true): number => {
  if (value === true) return 1;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a log level such as 1');
  return n;
};

export const defaultCacheDir = (): string => join(process.env.KUBECACHEDIR || join(homedir(), '.kube', 'cache'), 'kubectl-oidc');

const providerFlag = (flags: string, description: string, required: boolean): Option =>
  required ? flag(flags, description).makeOptionMandatory() : flag(flags, description);

/**
 * The flags of get-token, named and typed as kubelogin's so a kubeconfig migrates by changing only the command.
 * logout takes the same set (to find the same session), with the provider optional because of --all.
 */
export const addGetTokenFlags = (command: Command, providerRequired = true): Command =>
  command
    .addOption(providerFlag('--oidc-issuer-url <url>', 'issuer URL of the OpenID Connect provider', providerRequired))
    .addOption(providerFlag('--oidc-client-id <id>', 'client ID registered at the provider', providerRequired))
    .addOption(flag('--oidc-client-secret <secret>', 'client secret, for confidential clients (prefer the environment variable or a file)'))
    .addOption(flag('--oidc-client-secret-file <file>', 'read the client secret from this file'))
    .addOption(flag('--oidc-client-assertion-file <file>', 'authenticate the client with the JWT in this file (e.g. a projected service-account token), read on every run'))
    .addOption(flag('--oidc-extra-scope <scopes>', 'scope to request besides openid (repeatable, or a space/comma list)').argParser(collectList).default([]))
    .addOption(flag('--oidc-redirect-url <url>', 'exact redirect URI registered at the provider (default http://localhost:<port>)'))
    .addOption(flag('--oidc-redirect-url-authcode-keyboard <url>', 'redirect URI for --grant-type=authcode-keyboard').default('urn:ietf:wg:oauth:2.0:oob'))
    .addOption(flag('--username <name>', 'user for --grant-type=password; service account for Authentik client credentials'))
    .addOption(flag('--password <password>', 'password or app password (prefer the environment variable, a file or --password-command)'))
    .addOption(flag('--password-file <file>', 'read the password from this file'))
    .addOption(flag('--password-command <command>', 'run this command (e.g. a password manager) and use its output as the password'))
    .addOption(flag('--oidc-use-access-token', 'give kubectl the access token instead of the ID token'))
    .addOption(flag('--oidc-pkce-method <method>', 'PKCE: auto, S256 (force even if discovery omits it), no').argParser(choice<PkceMethod>(['auto', 'S256', 'no'])).default('auto'))
    .addOption(flag('--oidc-auth-request-extra-params <key=value>', 'extra authorization request parameter (repeatable)').argParser(collectKeyValue('--oidc-auth-request-extra-params')).default({}))
    .addOption(flag('--oidc-request-header <key=value>', 'extra HTTP header for requests to the provider (repeatable)').argParser(collectKeyValue('--oidc-request-header')).default({}))
    .addOption(flag('--listen-address <host:port>', 'loopback address for the callback, tried in order (repeatable; default 127.0.0.1:8000 then 127.0.0.1:18000; :0 = any free port)').argParser(collectListenAddresses).default([]))
    .addOption(flag('--browser-command <command>', 'command that opens the login URL (gets the URL as its argument)'))
    .addOption(flag('--skip-open-browser', 'do not open a browser; only print the URL'))
    .addOption(flag('--authentication-timeout-sec <seconds>', 'give up the login after this long').argParser(positiveInt).default(180))
    .addOption(flag('--certificate-authority <file>', 'PEM file of a CA to trust for the provider, besides the system CAs (repeatable)').argParser(collectList).default([]))
    .addOption(flag('--certificate-authority-data <base64>', 'base64 PEM of a CA to trust for the provider (repeatable)').argParser(collectList).default([]))
    .addOption(flag('--insecure-skip-tls-verify', 'do not verify the provider certificate (insecure)'))
    .addOption(flag('--token-cache-dir <dir>', 'directory of the token cache').default(defaultCacheDir(), '$KUBECACHEDIR/kubectl-oidc or ~/.kube/cache/kubectl-oidc'))
    .addOption(flag('--token-cache-storage <storage>', 'where tokens are kept: keyring (sealed with a key in the OS keychain; 0600 files when there is none), disk, none').argParser(choice<CacheStorage>(['keyring', 'disk', 'none'])).default('keyring'))
    .addOption(flag('--token-expiry-margin <seconds>', 'treat a cached token as expired this long before it expires').argParser(nonNegativeInt).default(60))
    .addOption(flag('--login-cooldown <seconds>', 'after an abandoned login, fail non-interactive runs fast for this long instead of opening another tab').argParser(nonNegativeInt).default(60))
    .addOption(flag('--login-hint <hint>', 'sent to the IdP as login_hint, to pick one of several accounts'))
    .addOption(flag('--account <name>', 'keeps sessions of several accounts at one IdP apart'))
    .addOption(flag('--force-refresh', 'ignore a valid cached token and refresh or log in'))
    .addOption(flag('--grant-type <type>', 'auto, authcode, authcode-keyboard, device-code, client-credentials, password').argParser(choice<GrantType>(['auto', 'authcode', 'authcode-keyboard', 'device-code', 'client-credentials', 'password'])).default('auto'))
    .addOption(new Option('-v, --v [level]', 'log level (1 = debug)').argParser(verbosity).default(0).env('KUBECTL_OIDC_V'));

interface RawGetTokenFlags {
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

export type { RawGetTokenFlags };

/** Parses get-token arguments (after the command name) into options; for tests and tools. */
export const parseGetTokenArgs = (args: string[]): GetTokenOptions => {
  const command = addGetTokenFlags(new Command('get-token'))
    .exitOverride()
    .configureOutput({ outputError: () => undefined });
  command.parse(args, { from: 'user' });
  return toGetTokenOptions(command.opts<RawGetTokenFlags>());
};
