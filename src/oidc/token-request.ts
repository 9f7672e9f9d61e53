import * as client from 'openid-client';
import type { Logger } from '../log.js';
import type { TokenSet } from '../session/tokens.js';
import type { ClientAuthenticator } from './client-auth.js';
import { translateError } from './errors.js';
import { failedAnswerOf } from './failed-answer.js';
import type { Provider } from './provider.js';
import { type IdTokenExpectations, verifiedTokens } from './verify.js';

/** The scope of a request: openid and the extra scopes, each once. */
export const scopeOf = (extraScopes: string[]): string => [...new Set(['openid', ...extraScopes])].join(' ');

/** A token endpoint answer as a session's tokens; the refresh token is kept when the IdP does not rotate it. */
export const toTokenSet = (response: client.TokenEndpointResponse, nowMs: number, previous?: TokenSet): TokenSet => {
  const tokens: TokenSet = {};
  if (response.id_token) tokens.idToken = response.id_token;
  if (response.access_token) tokens.accessToken = response.access_token;
  // An IdP that does not rotate refresh tokens returns none on refresh: the old one stays valid.
  const refreshToken = response.refresh_token ?? previous?.refreshToken;
  if (refreshToken) tokens.refreshToken = refreshToken;
  // A refresh answer without a scope granted what the refresh asked for, which was at most the previous grant.
  const scope = typeof response.scope === 'string' ? response.scope : previous?.scope;
  if (scope) tokens.scope = scope;
  if (typeof response.expires_in === 'number') tokens.accessTokenExpiresAt = Math.floor(nowMs / 1000) + response.expires_in;
  return tokens;
};

/** Whether the IdP refused the client itself (not the grant): worth one try with another client authentication. */
const clientRefused = (err: unknown): boolean => {
  const answer = failedAnswerOf(err);
  if (answer) return answer.status === 401 || answer.status === 403 || answer.error === 'invalid_client';
  return err instanceof client.ResponseBodyError && err.error === 'invalid_client';
};

/** Sends a request; when the IdP refuses the client, tries once more with the other method worth trying. */
export const authenticated = async <T>(
  authenticator: ClientAuthenticator,
  log: Logger,
  what: string,
  endpoint: string,
  send: () => Promise<T>,
): Promise<T> => {
  try {
    return await send();
  } catch (err) {
    if (!clientRefused(err) || !authenticator.fallBack()) throw translateError(err, what, endpoint);
    log.debug(`${translateError(err, what, endpoint).message}; trying again with ${authenticator.method()}`);
    try {
      return await send();
    } catch (retried) {
      throw translateError(retried, what, endpoint);
    }
  }
};

/** A request to the token endpoint, named by its grant in any error. */
export const tokenRequest = (
  provider: Provider,
  grant: string,
  send: () => Promise<client.TokenEndpointResponse>,
): Promise<client.TokenEndpointResponse> => {
  const metadata = provider.config.serverMetadata();
  return authenticated(
    provider.authenticator,
    provider.log,
    `the token request (${grant} grant)`,
    metadata.token_endpoint ?? metadata.issuer,
    send,
  );
};

/** A login grant's answer as a session's tokens, its ID token verified against the IdP's keys (see verifiedTokens). */
export const grantTokens = async (
  provider: Provider,
  grant: string,
  send: () => Promise<client.TokenEndpointResponse>,
  expect: IdTokenExpectations = {},
): Promise<TokenSet> =>
  verifiedTokens(
    provider,
    toTokenSet(await tokenRequest(provider, grant, send), provider.clock.now()),
    `the token answer (${grant} grant)`,
    expect,
  );
