import type { SessionInfoInput } from '../options/types.js';
import { jwtClaims } from './expiry.js';
import type { IdpReach, SessionInfo, TokenSet } from './tokens.js';

/** What is kept in the clear beside a session's tokens: who and where, never a token. */
export const sessionInfo = (
  options: SessionInfoInput,
  tokens: TokenSet,
  expiresAt: number | undefined,
  nowMs: number,
  reach: IdpReach = {},
): SessionInfo => {
  const claims = tokens.idToken ? jwtClaims(tokens.idToken) : undefined;
  const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
  const subject = text(claims?.sub);
  const email = text(claims?.email);
  return {
    issuer: options.provider.issuerUrl,
    clientId: options.provider.clientId,
    ...(options.provider.audience ? { audience: options.provider.audience } : {}),
    ...(options.account ? { account: options.account } : {}),
    ...(subject ? { subject } : {}),
    ...(email ? { email } : {}),
    ...(expiresAt !== undefined ? { expiresAt } : {}),
    hasRefreshToken: Boolean(tokens.refreshToken),
    savedAt: Math.floor(nowMs / 1000),
    ...reach,
  };
};
