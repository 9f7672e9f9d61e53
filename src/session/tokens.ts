/** What a session holds. Times are seconds since the epoch. */
export interface TokenSet {
  idToken?: string;
  accessToken?: string;
  refreshToken?: string;
  /** From the token response's expires_in, for access tokens that are not JWTs. */
  accessTokenExpiresAt?: number;
}

/** Where sessions live (disk file, OS keychain, nowhere). Implementations never touch the network. */
export interface SessionStore {
  readonly name: string;
  load(key: string): Promise<TokenSet | undefined>;
  save(key: string, tokens: TokenSet): Promise<void>;
}
