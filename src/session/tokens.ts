import type { Storage } from '../options/types.js';
/** What a session holds. Times are seconds since the epoch. */
export interface TokenSet {
  idToken?: string;
  accessToken?: string;
  refreshToken?: string;
  /** From the token response's expires_in, for access tokens that are not JWTs. */
  accessTokenExpiresAt?: number;
  /** The session's credential is its access token (client credentials without an ID token). */
  accessTokenIsCredential?: boolean;
  /**
   * The scope the IdP granted, when its answer said (RFC 6749 §5.1: omitted when it is the one asked for). A refresh asks
   * for no more (§6): an IdP that dropped offline_access refuses a refresh that asks for it again.
   */
  scope?: string;
}

/** What `status` shows about a session: never a token. Kept beside the tokens, readable without the keychain. */
export interface SessionInfo {
  issuer: string;
  clientId: string;
  /** --oidc-audience: the session holds the client's token exchanged for this audience. */
  audience?: string;
  account?: string;
  subject?: string;
  email?: string;
  /** Expiry of the token kubectl gets. */
  expiresAt?: number;
  hasRefreshToken: boolean;
  savedAt: number;
  /**
   * How the IdP was reached: the CAs trusted besides the system's (base64 PEM, public certificates) and whether TLS was
   * not verified — so logout --all and clean can revoke without the flags the session was made with.
   */
  caData?: string[];
  insecureSkipTlsVerify?: true;
}

/** SessionInfo's reach: how the IdP was reached. */
export type IdpReach = Pick<SessionInfo, 'caData' | 'insecureSkipTlsVerify'>;

export interface StoredSession {
  key: string;
  info: SessionInfo;
  storage: Storage;
}

/** Where sessions live (encrypted file with its key in the OS keychain, plain 0600 file, nowhere). Never touches the network. */
export interface SessionStore {
  readonly name: Storage;
  /** Whether sessions outlive the process, and so whether processes must coordinate through a lock. */
  readonly persistent: boolean;
  load(key: string): Promise<TokenSet | undefined>;
  save(key: string, tokens: TokenSet, info: SessionInfo): Promise<void>;
  remove(key: string): Promise<boolean>;
  /** Makes the session the newest complete one a killed run left behind, and clears what it left (under the lock). */
  recover?(key: string): Promise<void>;
}
