import { defaultCacheDir, expandHome, homeDir, kubeCacheDir } from './home.js';
import { parseListenAddress } from './listen-address.js';

export { defaultCacheDir, expandHome, homeDir, kubeCacheDir };

/**
 * THE option table: one row per flag. commander's flags and help, the cache-hit parser, the KUBECTL_OIDC_* variables,
 * the typed options, the session key, status's flags and the kubeconfig that setup prints are all derived from it.
 * A new flag is one row here plus its behaviour.
 */

export type Kind = 'string' | 'boolean' | 'int' | 'list' | 'map' | 'choice' | 'level';
export type Command = 'get-token' | 'setup' | 'login' | 'logout' | 'status' | 'migrate';
/** Where a row's value lands in the typed options (see types.ts). */
export type Group = 'provider' | 'login' | 'cache' | 'run' | 'apiserver' | 'setup' | 'kubeconfig' | 'logout' | 'status' | 'migrate';

/** Where a flag is listed in help, by purpose. */
export type Section = 'provider' | 'login' | 'cache' | 'network' | 'token-exchange' | 'kubelogin' | 'output' | 'apiserver' | 'setup';

export interface Row {
  /** Long name without dashes, e.g. oidc-issuer-url. */
  readonly name: string;
  /** A one-letter alias, e.g. o for -o. */
  readonly short?: string;
  readonly kind: Kind;
  readonly group: Group;
  /** Its heading in help; absent: the command's own options. */
  readonly section?: Section;
  /** The property in its group, e.g. issuerUrl. */
  readonly key: string;
  /** Placeholder of the value in help, e.g. <url>; absent for a boolean flag. */
  readonly value?: string;
  readonly description: string;
  readonly choices?: readonly string[];
  /** For int: the smallest value allowed. */
  readonly min?: number;
  /** The default, or a function that computes it when the flags are read (it may depend on the environment). */
  readonly default?: string | number | (() => string);
  readonly defaultDescription?: string;
  /** Required by get-token and setup; optional for logout (which has --all). */
  readonly required?: boolean;
  /** The commands that take it; absent: get-token and the commands that name a session like it (setup, logout). */
  readonly commands?: readonly Command[];
  /** false: not read from a KUBECTL_OIDC_* variable (options of one command's own). */
  readonly env?: false;
  /** The field of the session key this option is part of (options that make the tokens different). */
  readonly sessionKey?: string;
  /** The session key has the field only when the option is set (fields added after version 1 of the key). */
  readonly sessionKeyWhenSet?: boolean;
  /** A secret: setup prints it as an environment variable of the exec config, never as an argument. */
  readonly secret?: boolean;
  /** A file whose content (without the trailing newline) becomes the value of this key of the same group. */
  readonly readInto?: string;
  /** false: setup never prints it into a kubeconfig (one-off or diagnostic options). */
  readonly kubeconfig?: false;
  /**
   * A flag kubelogin has under another name (deprecated or newer): when given, it sets these other options of its group,
   * which setup prints instead of it.
   */
  readonly implies?: (value: never) => Record<string, unknown>;
  /** A list whose repeated items count once. */
  readonly unique?: boolean;
  /** A list of listen addresses: each is checked as it is read, so a bad one is a usage error whatever the grant. */
  readonly listenAddresses?: boolean;
  /** Reading it (-v) is left to commander: the cache-hit parser hands the whole command line over. */
  readonly handOff?: boolean;
  /** Asks for more than a cached credential (--force-refresh): no hit reader answers a run that has it. */
  readonly neverHit?: true;
  /**
   * Names whom the tokens are for (a token to exchange, or its file): a session is keyed on a hash of the value, and no
   * hit reader answers a run that has it, by flag or variable (a hit file records that a secret was given, not which).
   */
  readonly identity?: true;
  /** A file or directory: `~` and `~/…` stand for the home directory, as in kubelogin (kubeconfigs carry `~/.kube/…`). */
  readonly path?: true;
  /**
   * Why this value, copied into a kubeconfig, may suit only the machine it was given on (setup says so beside it); a
   * path row without one gets the general word about files of this machine.
   */
  readonly local?: (value: string) => string | undefined;
}

const checkedAddress = (address: string): string => {
  parseListenAddress(address);
  return address;
};

const GET_TOKEN_FAMILY: readonly Command[] = ['get-token', 'setup', 'login', 'logout'];
/**
 * kubelogin's logging flags (klog's), which kubeconfigs written for it may carry: accepted by the commands that name a
 * session, in both spellings (`--log_dir`, `--log-dir`), and ignored with a -v line. Not options of ours: no help, no
 * completion, nothing for setup to print.
 */
export const KLOG_FLAGS: { readonly boolean: readonly string[]; readonly valued: readonly string[] } = {
  boolean: ['add_dir_header', 'alsologtostderr', 'logtostderr', 'one_output', 'skip_headers', 'skip_log_headers'],
  valued: ['log_backtrace_at', 'log_dir', 'log_file', 'log_file_max_size', 'stderrthreshold', 'vmodule'],
};

/**
 * Named and typed as kubelogin's, so that a kubeconfig migrates by changing only the command. A row with a sessionKey
 * makes sessions differ; the key's fields and their order are listed, versioned, in session/key.ts (KEY_V1).
 */
export const OPTION_TABLE = [
  // Provider: who to ask, and how to talk to it.
  {
    name: 'oidc-issuer-url',
    section: 'provider',
    kind: 'string',
    group: 'provider',
    key: 'issuerUrl',
    value: '<url>',
    description: 'issuer URL of the OpenID Connect provider',
    required: true,
    sessionKey: 'issuer',
  },
  {
    name: 'oidc-client-id',
    section: 'provider',
    kind: 'string',
    group: 'provider',
    key: 'clientId',
    value: '<id>',
    description: 'client ID registered at the provider',
    required: true,
    sessionKey: 'client',
  },
  {
    name: 'oidc-audience',
    section: 'provider',
    kind: 'string',
    group: 'provider',
    key: 'audience',
    value: '<audience>',
    description:
      "the cluster's audience (its kube-apiserver client ID) when it is not --oidc-client-id: the session of " +
      '--oidc-client-id is exchanged for a token for it, so one login serves every cluster',
    sessionKey: 'audience',
    sessionKeyWhenSet: true,
  },

  {
    name: 'oidc-client-secret',
    section: 'provider',
    kind: 'string',
    group: 'provider',
    key: 'clientSecret',
    value: '<secret>',
    description: 'client secret, for confidential clients (prefer the environment variable or a file)',
    sessionKey: 'secret',
    secret: true,
  },
  {
    name: 'oidc-client-secret-file',
    section: 'provider',
    kind: 'string',
    path: true,
    group: 'provider',
    key: 'clientSecretFile',
    value: '<file>',
    description: 'read the client secret from this file',
    readInto: 'clientSecret',
  },
  {
    name: 'oidc-extra-scope',
    section: 'provider',
    kind: 'list',
    group: 'provider',
    key: 'extraScopes',
    value: '<scopes>',
    description: 'scope to request besides openid (repeatable, or a space/comma list)',
    sessionKey: 'scopes',
    unique: true,
  },
  {
    name: 'oidc-redirect-url',
    section: 'login',
    kind: 'string',
    group: 'login',
    key: 'redirectUrl',
    value: '<url>',
    description: 'exact redirect URI registered at the provider (default http://localhost:<port>)',
    sessionKey: 'redirect',
  },
  {
    name: 'oidc-pkce-method',
    section: 'provider',
    kind: 'choice',
    group: 'login',
    key: 'pkceMethod',
    value: '<method>',
    description: 'PKCE: auto, S256 (force even if discovery omits it), no',
    choices: ['auto', 'S256', 'no'],
    default: 'auto',
    sessionKey: 'pkce',
  },
  {
    name: 'oidc-use-pkce',
    section: 'kubelogin',
    kind: 'boolean',
    group: 'login',
    key: 'usePkce',
    description: "kubelogin's earlier flag: force PKCE (the same as --oidc-pkce-method=S256)",
    implies: () => ({ pkceMethod: 'S256' }),
    kubeconfig: false,
  },
  {
    name: 'oidc-use-access-token',
    section: 'provider',
    kind: 'boolean',
    group: 'run',
    key: 'useAccessToken',
    description: 'give kubectl the access token instead of the ID token',
    sessionKey: 'accessToken',
  },
  {
    name: 'oidc-auth-request-extra-params',
    section: 'provider',
    kind: 'map',
    group: 'login',
    key: 'authRequestExtraParams',
    value: '<key=value>',
    description: 'extra authorization request parameter (repeatable)',
    sessionKey: 'params',
  },
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
  {
    name: 'tls-renegotiation-once',
    section: 'kubelogin',
    kind: 'boolean',
    group: 'provider',
    key: 'tlsRenegotiationOnce',
    description: "kubelogin's flag, accepted: a server's TLS renegotiation requests are answered on their own",
    kubeconfig: false,
  },
  {
    name: 'tls-renegotiation-freely',
    section: 'kubelogin',
    kind: 'boolean',
    group: 'provider',
    key: 'tlsRenegotiationFreely',
    description: "kubelogin's flag, accepted: a server's TLS renegotiation requests are answered on their own",
    kubeconfig: false,
  },
  {
    name: 'login-hint',
    section: 'provider',
    kind: 'string',
    group: 'login',
    key: 'loginHint',
    value: '<hint>',
    description: 'sent to the IdP as login_hint, to pick one of several accounts',
    sessionKey: 'loginHint',
  },
  {
    name: 'oidc-client-assertion-file',
    section: 'provider',
    kind: 'string',
    path: true,
    group: 'provider',
    key: 'clientAssertionFile',
    value: '<file>',
    description: 'authenticate the client with the JWT in this file (e.g. a projected service-account token), read on every run',
    sessionKey: 'assertion',
  },
  {
    name: 'username',
    section: 'login',
    kind: 'string',
    group: 'login',
    key: 'username',
    value: '<name>',
    description: 'user for --grant-type=password; service account for Authentik client credentials',
    sessionKey: 'username',
  },
  {
    name: 'account',
    section: 'cache',
    kind: 'string',
    group: 'run',
    key: 'account',
    value: '<name>',
    description: 'keeps sessions of several accounts at one IdP apart',
    sessionKey: 'account',
  },
  // Token exchange (RFC 8693), with kubelogin's flags. Its targets tell sessions apart; the key has them only when set,
  // so that the sessions of earlier releases keep their names.
  {
    name: 'token-exchange-resource',
    section: 'token-exchange',
    kind: 'list',
    group: 'login',
    key: 'tokenExchangeResources',
    value: '<uri>',
    description: 'token exchange: the resource the token is for (repeatable)',
    sessionKey: 'exchangeResources',
    sessionKeyWhenSet: true,
  },
  {
    name: 'token-exchange-audience',
    section: 'token-exchange',
    kind: 'list',
    group: 'login',
    key: 'tokenExchangeAudiences',
    value: '<audience>',
    description: 'token exchange: the audience the token is for (repeatable)',
    sessionKey: 'exchangeAudiences',
    sessionKeyWhenSet: true,
  },
  {
    name: 'token-exchange-requested-token-type',
    section: 'token-exchange',
    kind: 'string',
    group: 'login',
    key: 'tokenExchangeRequestedTokenType',
    value: '<urn>',
    description: 'token exchange: the type of token to ask for (e.g. urn:ietf:params:oauth:token-type:id_token)',
    sessionKey: 'exchangeRequested',
    sessionKeyWhenSet: true,
  },
  {
    name: 'token-exchange-subject-token',
    section: 'token-exchange',
    kind: 'string',
    group: 'login',
    key: 'tokenExchangeSubjectToken',
    value: '<token>',
    description: 'token exchange: the token to exchange (prefer the environment variable or a file)',
    secret: true,
    sessionKey: 'subject',
    sessionKeyWhenSet: true,
    identity: true,
  },
  {
    name: 'token-exchange-subject-token-file',
    section: 'token-exchange',
    kind: 'string',
    path: true,
    group: 'login',
    key: 'tokenExchangeSubjectTokenFile',
    value: '<file>',
    description: 'token exchange: read the token to exchange from this file (e.g. a projected service-account token), on every run',
    readInto: 'tokenExchangeSubjectToken',
    identity: true,
  },
  {
    name: 'token-exchange-subject-token-type',
    section: 'token-exchange',
    kind: 'string',
    group: 'login',
    key: 'tokenExchangeSubjectTokenType',
    value: '<urn>',
    description: 'token exchange: the type of the token to exchange',
    default: 'urn:ietf:params:oauth:token-type:access_token',
  },
  {
    name: 'token-exchange-actor-token',
    section: 'token-exchange',
    kind: 'string',
    group: 'login',
    key: 'tokenExchangeActorToken',
    value: '<token>',
    description: 'token exchange: the token of the party acting for the subject (prefer the environment variable or a file)',
    secret: true,
    sessionKey: 'actor',
    sessionKeyWhenSet: true,
    identity: true,
  },
  {
    name: 'token-exchange-actor-token-file',
    section: 'token-exchange',
    kind: 'string',
    path: true,
    group: 'login',
    key: 'tokenExchangeActorTokenFile',
    value: '<file>',
    description: 'token exchange: read the actor token from this file',
    readInto: 'tokenExchangeActorToken',
    identity: true,
  },
  {
    name: 'token-exchange-actor-token-type',
    section: 'token-exchange',
    kind: 'string',
    group: 'login',
    key: 'tokenExchangeActorTokenType',
    value: '<urn>',
    description: 'token exchange: the type of the actor token',
  },
  {
    name: 'token-exchange-basic-auth',
    section: 'kubelogin',
    kind: 'boolean',
    group: 'login',
    key: 'tokenExchangeBasicAuth',
    description: "token exchange: kubelogin's flag for client_secret_basic, accepted (the client authenticates as configured)",
    kubeconfig: false,
  },
  // How to log in.
  {
    name: 'grant-type',
    section: 'login',
    kind: 'choice',
    group: 'login',
    key: 'grantType',
    value: '<type>',
    description: 'auto, authcode, authcode-keyboard, device-code, client-credentials, password, token-exchange',
    choices: ['auto', 'authcode', 'authcode-keyboard', 'device-code', 'client-credentials', 'password', 'token-exchange'],
    default: 'auto',
  },
  {
    name: 'oidc-redirect-url-authcode-keyboard',
    section: 'login',
    kind: 'string',
    group: 'login',
    key: 'keyboardRedirectUrl',
    value: '<url>',
    description: 'redirect URI for --grant-type=authcode-keyboard',
    default: 'urn:ietf:wg:oauth:2.0:oob',
  },
  {
    name: 'password',
    section: 'login',
    kind: 'string',
    group: 'login',
    key: 'password',
    value: '<password>',
    description: 'password or app password (prefer the environment variable, a file or --password-command)',
    secret: true,
  },
  {
    name: 'password-file',
    section: 'login',
    kind: 'string',
    path: true,
    group: 'login',
    key: 'passwordFile',
    value: '<file>',
    description: 'read the password from this file',
    readInto: 'password',
  },
  {
    name: 'password-command',
    section: 'login',
    kind: 'string',
    group: 'login',
    key: 'passwordCommand',
    value: '<command>',
    description: 'run this command (e.g. a password manager) and use its output as the password',
  },
  {
    name: 'listen-address',
    section: 'login',
    local: (address) =>
      address.endsWith(':0') ? 'a new port each login: the IdP must accept a loopback redirect URI with any port (RFC 8252)' : undefined,
    kind: 'list',
    group: 'login',
    key: 'listenAddresses',
    value: '<host:port>',
    description:
      'address for the callback, tried in order (repeatable; default 127.0.0.1:8000 then 127.0.0.1:18000; :0 = any free port; ' +
      '0.0.0.0:8000 in a container)',
    listenAddresses: true,
  },
  {
    name: 'listen-port',
    section: 'kubelogin',
    kind: 'list',
    group: 'login',
    key: 'listenPorts',
    value: '<port>',
    description: "kubelogin's earlier flag: listen on 127.0.0.1:<port> (repeatable; replaces --listen-address)",
    implies: (ports: string[]) => ({ listenAddresses: ports.map((port) => checkedAddress(`127.0.0.1:${port}`)) }),
    kubeconfig: false,
  },
  {
    name: 'local-server-cert',
    section: 'login',
    kind: 'string',
    path: true,
    group: 'login',
    key: 'localServerCert',
    value: '<file>',
    description: 'PEM certificate: serve the login callback over HTTPS (redirect URI https://localhost:<port>)',
  },
  {
    name: 'local-server-key',
    section: 'login',
    kind: 'string',
    path: true,
    group: 'login',
    key: 'localServerKey',
    value: '<file>',
    description: 'PEM private key of --local-server-cert',
  },
  {
    name: 'open-url-after-authentication',
    section: 'login',
    kind: 'string',
    group: 'login',
    key: 'openUrlAfterAuthentication',
    value: '<url>',
    description: 'after a successful browser login, send the browser to this URL instead of the success page',
  },
  {
    name: 'oidc-redirect-url-hostname',
    section: 'login',
    kind: 'string',
    group: 'login',
    key: 'redirectHostname',
    value: '<host>',
    description: 'host name of the redirect URI http://<host>:<port> when --oidc-redirect-url is not given',
    default: 'localhost',
  },
  {
    name: 'browser-command',
    section: 'login',
    local: (command) => `a command of this machine: others may not have ${command}`,
    kind: 'string',
    group: 'login',
    key: 'browserCommand',
    value: '<command>',
    description: 'command that opens the login URL (gets the URL as its argument)',
  },
  {
    name: 'skip-open-browser',
    section: 'login',
    local: () => 'no browser opens for anyone using this kubeconfig: each login only prints its URL',
    kind: 'boolean',
    group: 'login',
    key: 'skipOpenBrowser',
    description: 'do not open a browser; only print the URL',
  },
  {
    name: 'authentication-timeout-sec',
    section: 'login',
    kind: 'int',
    group: 'login',
    key: 'authenticationTimeoutSec',
    value: '<seconds>',
    description: 'give up the login after this long',
    min: 1,
    default: 180,
  },
  // Where and how long tokens are kept.
  {
    name: 'token-cache-dir',
    section: 'cache',
    kind: 'string',
    path: true,
    group: 'cache',
    key: 'tokenCacheDir',
    value: '<dir>',
    description: 'directory of the token cache',
    default: () => defaultCacheDir(),
    defaultDescription: '$KUBECACHEDIR/kubectl-oidc or ~/.kube/cache/kubectl-oidc',
    commands: ['get-token', 'setup', 'login', 'logout', 'status'],
  },
  {
    name: 'token-cache-storage',
    section: 'cache',
    kind: 'choice',
    group: 'cache',
    key: 'tokenCacheStorage',
    value: '<storage>',
    description:
      'where tokens are kept: keyring (sealed with a key in the OS keychain; 0600 files when there is none; auto is the same), disk, none',
    choices: ['keyring', 'auto', 'disk', 'none'],
    default: 'keyring',
  },
  {
    name: 'no-keyring',
    section: 'kubelogin',
    kind: 'boolean',
    group: 'cache',
    key: 'noKeyring',
    description: "kubelogin's flag: keep tokens in 0600 files (the same as --token-cache-storage=disk)",
    implies: () => ({ tokenCacheStorage: 'disk' }),
    kubeconfig: false,
  },
  {
    name: 'force-keyring',
    section: 'kubelogin',
    kind: 'boolean',
    group: 'cache',
    key: 'forceKeyring',
    description: "kubelogin's flag: keep tokens in the OS keychain (the same as --token-cache-storage=keyring)",
    implies: () => ({ tokenCacheStorage: 'keyring' }),
    kubeconfig: false,
  },
  {
    name: 'token-expiry-margin',
    section: 'cache',
    kind: 'int',
    group: 'cache',
    key: 'tokenExpiryMarginSec',
    value: '<seconds>',
    description: 'treat a cached token as expired this long before it expires',
    min: 0,
    default: 60,
  },
  {
    name: 'login-cooldown',
    section: 'cache',
    kind: 'int',
    group: 'cache',
    key: 'loginCooldownSec',
    value: '<seconds>',
    description: 'after an abandoned login, fail non-interactive runs fast for this long instead of opening another tab',
    min: 0,
    default: 60,
  },
  {
    name: 'force-refresh',
    section: 'cache',
    kind: 'boolean',
    group: 'run',
    key: 'forceRefresh',
    description: 'ignore a valid cached token and refresh or log in',
    kubeconfig: false,
    neverHit: true,
  },
  {
    name: 'v',
    section: 'output',
    short: 'v',
    kind: 'level',
    group: 'run',
    key: 'verbose',
    value: '[level]',
    description: 'log level (1 = debug)',
    default: 0,
    commands: ['get-token', 'setup', 'login', 'logout', 'status', 'migrate'],
    kubeconfig: false,
    handOff: true,
  },
  {
    name: 'no-color',
    section: 'output',
    kind: 'boolean',
    group: 'run',
    key: 'noColor',
    description: 'no colour or bold on the terminal (as NO_COLOR=1 does)',
    commands: ['get-token', 'setup', 'login'],
    kubeconfig: false,
  },
  // setup: kube-apiserver's side, and the report.
  {
    name: 'oidc-username-claim',
    section: 'apiserver',
    kind: 'string',
    group: 'apiserver',
    key: 'usernameClaim',
    value: '<claim>',
    description: "kube-apiserver's --oidc-username-claim",
    default: 'sub',
    commands: ['setup', 'login'],
    env: false,
  },
  {
    name: 'oidc-username-prefix',
    section: 'apiserver',
    kind: 'string',
    group: 'apiserver',
    key: 'usernamePrefix',
    value: '<prefix>',
    description: "kube-apiserver's --oidc-username-prefix (default: <issuer>#, none for email; - for none)",
    commands: ['setup', 'login'],
    env: false,
  },
  {
    name: 'oidc-groups-claim',
    section: 'apiserver',
    kind: 'string',
    group: 'apiserver',
    key: 'groupsClaim',
    value: '<claim>',
    description: "kube-apiserver's --oidc-groups-claim",
    commands: ['setup', 'login'],
    env: false,
  },
  {
    name: 'oidc-groups-prefix',
    section: 'apiserver',
    kind: 'string',
    group: 'apiserver',
    key: 'groupsPrefix',
    value: '<prefix>',
    description: "kube-apiserver's --oidc-groups-prefix",
    commands: ['setup', 'login'],
    env: false,
  },
  {
    name: 'oidc-required-claim',
    section: 'apiserver',
    kind: 'map',
    group: 'apiserver',
    key: 'requiredClaims',
    value: '<key=value>',
    description: "kube-apiserver's --oidc-required-claim (repeatable)",
    commands: ['setup', 'login'],
    env: false,
  },
  {
    name: 'oidc-signing-algs',
    section: 'apiserver',
    kind: 'list',
    group: 'apiserver',
    key: 'signingAlgs',
    value: '<algs>',
    description: "kube-apiserver's --oidc-signing-algs",
    defaultDescription: 'RS256',
    commands: ['setup', 'login'],
    env: false,
  },
  {
    name: 'authentication-config',
    section: 'apiserver',
    kind: 'string',
    group: 'setup',
    key: 'authenticationConfigFile',
    value: '<file>',
    description: "judge with this AuthenticationConfiguration (kube-apiserver's --authentication-config) instead of the legacy flags",
    commands: ['setup', 'login'],
    env: false,
  },
  {
    name: 'output',
    section: 'output',
    short: 'o',
    kind: 'choice',
    group: 'setup',
    key: 'output',
    value: '<format>',
    description: 'text or json',
    choices: ['text', 'json'],
    default: 'text',
    commands: ['setup'],
    env: false,
  },
  {
    name: 'show-secrets',
    section: 'output',
    kind: 'boolean',
    group: 'setup',
    key: 'showSecrets',
    description: 'show the client secret in the printed configuration',
    commands: ['setup'],
    env: false,
  },
  {
    name: 'save-session',
    section: 'setup',
    kind: 'boolean',
    group: 'setup',
    key: 'saveSession',
    description: 'use the session cache as get-token does: a valid session is reused (--force-login logs in anew), a new one kept',
    commands: ['setup'],
    env: false,
  },
  {
    name: 'force-login',
    section: 'setup',
    kind: 'boolean',
    group: 'setup',
    key: 'forceLogin',
    description: 'log in again even when the session cache holds a valid session (as --force-refresh refreshes)',
    commands: ['setup', 'login'],
    env: false,
  },
  {
    name: 'kubeconfig-user',
    section: 'setup',
    kind: 'string',
    group: 'setup',
    key: 'kubeconfigUser',
    value: '<name>',
    description: 'user name in the printed kubeconfig snippets',
    default: 'oidc',
    commands: ['setup'],
    env: false,
  },
  // login: the kubeconfig it writes.
  {
    name: 'context',
    kind: 'string',
    group: 'kubeconfig',
    key: 'context',
    value: '<name>',
    description: 'the kubeconfig context to write (its user gets the same name unless --user is given)',
    required: true,
    commands: ['login'],
    env: false,
  },
  {
    name: 'server',
    kind: 'string',
    group: 'kubeconfig',
    key: 'server',
    value: '<url>',
    description: "the cluster's API server: a cluster of the context's name is written (or of --cluster's)",
    commands: ['login'],
    env: false,
  },
  {
    name: 'cluster-ca',
    kind: 'string',
    path: true,
    group: 'kubeconfig',
    key: 'clusterCa',
    value: '<file>',
    description: "PEM file of the CA that signed the API server's certificate, written into the cluster as data",
    commands: ['login'],
    env: false,
  },
  {
    name: 'cluster',
    kind: 'string',
    group: 'kubeconfig',
    key: 'cluster',
    value: '<name>',
    description: 'the cluster the context uses: one already in the kubeconfig, or the name of the one --server writes',
    commands: ['login'],
    env: false,
  },
  {
    name: 'user',
    kind: 'string',
    group: 'kubeconfig',
    key: 'user',
    value: '<name>',
    description: 'the kubeconfig user to write (default: the context name)',
    commands: ['login'],
    env: false,
  },
  {
    name: 'set-current',
    kind: 'boolean',
    group: 'kubeconfig',
    key: 'setCurrent',
    description: 'make the context the current one',
    commands: ['login'],
    env: false,
  },
  {
    name: 'kubeconfig',
    kind: 'string',
    path: true,
    group: 'kubeconfig',
    key: 'kubeconfig',
    value: '<file>',
    description: 'the kubeconfig to write (default: the first file of $KUBECONFIG, else ~/.kube/config)',
    commands: ['login'],
    env: false,
  },
  {
    name: 'dry-run',
    kind: 'boolean',
    group: 'kubeconfig',
    key: 'dryRun',
    description: 'log in and print the changes to the kubeconfig (and kuberc) as a diff, write nothing',
    commands: ['login'],
    env: false,
  },
  {
    name: 'skip-cluster-check',
    kind: 'boolean',
    group: 'kubeconfig',
    key: 'skipClusterCheck',
    description:
      'write without asking the cluster who the token is (kubectl auth whoami through what is written): for a cluster not reachable from here',
    commands: ['login'],
    env: false,
  },
  {
    name: 'write-secrets',
    kind: 'boolean',
    group: 'kubeconfig',
    key: 'writeSecrets',
    description:
      "write the secrets this login was given (client secret, password, token to exchange) into the user's exec env " +
      '(only into a kubeconfig no one else can read); without it, kubectl must have them in its environment',
    commands: ['login'],
    env: false,
  },
  // migrate.
  {
    name: 'kubeconfig',
    kind: 'string',
    path: true,
    group: 'migrate',
    key: 'kubeconfig',
    value: '<file>',
    description: 'the kubeconfig to migrate (default: each file of $KUBECONFIG, else ~/.kube/config)',
    commands: ['migrate'],
    env: false,
  },
  {
    name: 'dry-run',
    kind: 'boolean',
    group: 'migrate',
    key: 'dryRun',
    description: 'print what would change, change nothing',
    commands: ['migrate'],
    env: false,
  },
  // logout and status.
  {
    name: 'skip-revoke',
    kind: 'boolean',
    group: 'logout',
    key: 'skipRevoke',
    description: 'remove without revoking the refresh token at the IdP (an IdP that is gone); it stays valid until it expires',
    commands: ['logout'],
    env: false,
  },
  {
    name: 'all',
    kind: 'boolean',
    group: 'logout',
    key: 'all',
    description: 'remove every session in the token cache',
    commands: ['logout'],
    env: false,
  },
  {
    name: 'output',
    section: 'output',
    short: 'o',
    kind: 'choice',
    group: 'status',
    key: 'output',
    value: '<format>',
    description: 'table or json',
    choices: ['table', 'json'],
    default: 'table',
    commands: ['status'],
    env: false,
  },
] as const satisfies readonly Row[];

const commandsOf = (row: Row): readonly Command[] => row.commands ?? GET_TOKEN_FAMILY;

/** The rows of one command, in table order. */
export const rowsOf = (command: Command): readonly Row[] => OPTION_TABLE.filter((row: Row) => commandsOf(row).includes(command));

/** Every option can also come from KUBECTL_OIDC_<NAME> (without a leading "oidc-"), so secrets need not sit in argv. */
export const envName = (flag: string): string =>
  `KUBECTL_OIDC_${(flag.startsWith('oidc-') ? flag.slice(5) : flag).split('-').join('_').toUpperCase()}`;

/** commander's attribute name for a flag: oidc-issuer-url → oidcIssuerUrl. */
export const attributeName = (name: string): string =>
  name
    .split('-')
    .map((word, i) => (i === 0 ? word : word.charAt(0).toUpperCase() + word.slice(1)))
    .join('');

export const defaultOf = (row: Row): unknown => {
  if (typeof row.default === 'function') return row.default();
  if (row.default !== undefined) return row.default;
  if (row.kind === 'list') return [];
  if (row.kind === 'map') return {};
  return undefined;
};

/** A row's value in the options of get-token (the groups are properties, 'run' options sit at the top). */
export const valueIn = (options: object, row: Row): unknown => {
  const group = row.group === 'run' ? options : (options as Record<string, unknown>)[row.group];
  return (group as Record<string, unknown> | undefined)?.[row.key];
};
