/** Typed options shared by all layers. cli/ builds them from argv and the environment; nothing else parses flags. */

export type PkceMethod = 'auto' | 'S256' | 'no';
export type CacheStorage = 'keyring' | 'disk' | 'none';
export type GrantType = 'auto' | 'authcode' | 'authcode-keyboard' | 'device-code' | 'client-credentials' | 'password';

/** Everything needed to talk to the identity provider. */
export interface ProviderOptions {
  issuerUrl: string;
  clientId: string;
  clientSecret?: string;
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
}

export interface CacheOptions {
  tokenCacheDir: string;
  tokenCacheStorage: CacheStorage;
  /** A cached token counts as valid only while it has more than this many seconds left. */
  tokenExpiryMarginSec: number;
}

export interface GetTokenOptions {
  provider: ProviderOptions;
  login: LoginOptions;
  cache: CacheOptions;
  useAccessToken: boolean;
  forceRefresh: boolean;
  verbose: number;
}
