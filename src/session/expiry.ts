import type { FreshnessInput } from '../options/types.js';
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

/** A JWT's `aud` as a list: one string or an array of them. */
export const audienceList = (aud: unknown): string[] => (typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.map(String) : []);

export const jwtExpiry = (jwt: string): number | undefined => {
  const exp = jwtClaims(jwt)?.exp;
  return typeof exp === 'number' ? exp : undefined;
};

export interface CredentialToken {
  token: string;
  /** Seconds since the epoch; undefined when the token does not say. */
  expiresAt: number | undefined;
  /** The token's iat, when it is a JWT that says. */
  issuedAt?: number;
}

const numeric = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);

const fromJwt = (token: string, fallbackExpiry?: number): CredentialToken => {
  const claims = jwtClaims(token);
  const issuedAt = numeric(claims?.iat);
  return { token, expiresAt: numeric(claims?.exp) ?? fallbackExpiry, ...(issuedAt !== undefined ? { issuedAt } : {}) };
};

/** The token kubectl gets: the ID token, or the access token in access-token mode or for a client without ID tokens. */
export const credentialToken = (tokens: TokenSet, useAccessToken: boolean): CredentialToken | undefined => {
  if (useAccessToken || tokens.accessTokenIsCredential) {
    return tokens.accessToken ? fromJwt(tokens.accessToken, tokens.accessTokenExpiresAt) : undefined;
  }
  return tokens.idToken ? fromJwt(tokens.idToken) : undefined;
};

/**
 * The margin before expiry for this token: the configured one, but never more than a third of the token's lifetime, so
 * that a short-lived token is served from the cache for most of its life (a 20 s token for 13 s) and one obtained under
 * the lock is fresh for every process that waited for it.
 */
export const marginFor = (token: CredentialToken, marginSec: number): number =>
  token.issuedAt !== undefined && token.expiresAt !== undefined
    ? Math.min(marginSec, Math.max(0, (token.expiresAt - token.issuedAt) / 3))
    : marginSec;

/** Valid means more than the margin left. A token without an expiry is never trusted from the cache. */
export const isFresh = (token: CredentialToken, nowSec: number, marginSec: number): boolean =>
  token.expiresAt !== undefined && token.expiresAt - marginFor(token, marginSec) > nowSec;

/** The session's credential while it is fresh by --token-expiry-margin: what a cache hit serves, in any reader. */
export const freshToken = (tokens: TokenSet | undefined, options: FreshnessInput, nowSec: number): CredentialToken | undefined => {
  const token = tokens && credentialToken(tokens, options.useAccessToken);
  return token && isFresh(token, nowSec, options.cache.tokenExpiryMarginSec) ? token : undefined;
};
