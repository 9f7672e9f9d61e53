/** Typed options shared by all layers. cli/ builds them from argv and the environment; nothing else parses flags. */

export type PkceMethod = 'auto' | 'S256' | 'no';
export type CacheStorage = 'keyring' | 'disk' | 'none';
export type GrantType = 'auto' | 'authcode' | 'authcode-keyboard' | 'device-code' | 'client-credentials' | 'password';

/** Everything needed to talk to the identity provider. */
export interface ProviderOptions {
  issuerUrl: string;
  clientId: string;
  clientSecret?: string;
  /** A JWT client assertion (e.g. a projected service-account token), read afresh for every request. */
  clientAssertionFile?: string;
  extraScopes: string[];
  /** Extra HTTP headers sent with every request to the IdP (e.g. an Origin header for Entra SPA registrations). */
  requestHeaders: Record<string, string>;
  /** PEM file paths that extend the system trust store. */
  certificateAuthorityFiles: string[];
  /** Base64-encoded PEM bundles that extend the system trust store. */
  certificateAuthorityData: string[];
  insecureSkipTlsVerify: boolean;
}

/** How an interactive browser login is carried out. */
export interface LoginOptions {
  redirectUrl?: string;
  pkceMethod: PkceMethod;
  authRequestExtraParams: Record<string, string>;
  /** host:port pairs to try in order; port 0 means any free port. */
  listenAddresses: string[];
  browserCommand?: string;
  skipOpenBrowser: boolean;
  authenticationTimeoutSec: number;
  grantType: GrantType;
  /** Sent to the IdP as login_hint, to pick one of several accounts. */
  loginHint?: string;
  /** Redirect URI for authcode-keyboard (kubelogin's default: the out-of-band URN). */
  keyboardRedirectUrl: string;
  /** Password grant: the user; Authentik client credentials: the service account. */
  username?: string;
  /** The password (or app password), already read from the environment, a file or --password-command. */
  password?: string;
  passwordCommand?: string;
}

export interface CacheOptions {
  tokenCacheDir: string;
  tokenCacheStorage: CacheStorage;
  /** A cached token counts as valid only while it has more than this many seconds left. */
  tokenExpiryMarginSec: number;
  /** After an abandoned or failed browser login, non-interactive runs fail fast for this long instead of opening a tab. */
  loginCooldownSec: number;
}

export interface GetTokenOptions {
  provider: ProviderOptions;
  login: LoginOptions;
  cache: CacheOptions;
  /** A name that keeps sessions of several accounts at one IdP apart (part of the cache key only). */
  account?: string;
  useAccessToken: boolean;
  forceRefresh: boolean;
  verbose: number;
}
