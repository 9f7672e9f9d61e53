import type { TokenSet } from './tokens.js';

/** Reads a JWT's claims without verifying them: the token came from our own cache or straight from the IdP. */
export const jwtClaims = (jwt: string): Record<string, unknown> | undefined => {
  const payload = jwt.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    return typeof claims === 'object' && claims !== null ? (claims as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
};

export const jwtExpiry = (jwt: string): number | undefined => {
  const exp = jwtClaims(jwt)?.exp;
  return typeof exp === 'number' ? exp : undefined;
};

export interface CredentialToken {
  token: string;
  /** Seconds since the epoch; undefined when the token does not say. */
  expiresAt: number | undefined;
}

/** The token kubectl gets: the ID token, or the access token in access-token mode or for a client without ID tokens. */
export const credentialToken = (tokens: TokenSet, useAccessToken: boolean): CredentialToken | undefined => {
  if (useAccessToken || tokens.accessTokenIsCredential) {
    if (!tokens.accessToken) return undefined;
    return { token: tokens.accessToken, expiresAt: jwtExpiry(tokens.accessToken) ?? tokens.accessTokenExpiresAt };
  }
  if (!tokens.idToken) return undefined;
  return { token: tokens.idToken, expiresAt: jwtExpiry(tokens.idToken) };
};

/** Valid means more than `marginSec` left. A token without an expiry is never trusted from the cache. */
export const isFresh = (token: CredentialToken, nowSec: number, marginSec: number): boolean =>
  token.expiresAt !== undefined && token.expiresAt - marginSec > nowSec;
