import * as client from 'openid-client';
import { PluginError } from '../errors.js';
import { clientAuthenticator, isSecretMethod } from '../oidc/client-auth.js';
import { failedAnswerOf } from '../oidc/failed-answer.js';
import type { Provider } from '../oidc/provider.js';
import { authenticated, scopeOf, tokenRequest, toTokenSet } from '../oidc/token-request.js';
import { AnswerRejected, verifiedTokens } from '../oidc/verify.js';
import { jwtClaims, jwtExpiry } from '../session/expiry.js';
import type { TokenSet } from '../session/tokens.js';

/** Keeps a refresh token the IdP just rotated, before anything else is done with its answer. */
export type KeepRotated = (refreshToken: string) => Promise<void>;

/**
 * One refresh grant; a 200 answer that openid-client then rejects still hands over its refresh token. A rotated
 * refresh token is handed to `keepRotated` the moment the answer is read: the old one is spent, and a run killed while
 * the answer is checked must not take the only copy of the new one with it.
 */
const refreshOnce = async (
  provider: Provider,
  previous: TokenSet & { refreshToken: string },
  scope: string | undefined,
  keepRotated: KeepRotated | undefined,
): Promise<TokenSet> => {
  let answered: Record<string, unknown> | undefined;
  const config = provider.fetchingWith(async (url, init) => {
    const response = await provider.fetch(url, init);
    if (response.ok) {
      answered = (await response
        .clone()
        .json()
        .catch(() => undefined)) as Record<string, unknown> | undefined;
      const rotated = answered?.refresh_token;
      if (typeof rotated === 'string' && rotated !== previous.refreshToken) await keepRotated?.(rotated).catch(() => undefined);
    }
    return response;
  });
  try {
    return toTokenSet(
      await tokenRequest(provider, 'refresh_token', () =>
        client.refreshTokenGrant(config, previous.refreshToken, scope ? { scope } : undefined),
      ),
      provider.clock.now(),
      previous,
    );
  } catch (err) {
    const rotated = answered?.refresh_token;
    if (typeof rotated !== 'string') throw err;
    throw new AnswerRejected(
      'idp_error',
      `the refresh answer was rejected (${err instanceof Error ? err.message : String(err)})`,
      { refreshToken: rotated },
      { cause: err },
    );
  }
};

export interface RefreshRequest {
  /** Whether the credential is the ID token: the refresh then asks for the scope again (see below). */
  wantIdToken: boolean;
  /** False once this IdP refused a refresh that named a scope (remembered per issuer and client): none is sent. */
  sendScope?: boolean;
  keepRotated?: KeepRotated;
}

export interface RefreshAnswer {
  tokens: TokenSet;
  /** The IdP answered invalid_scope to a refresh that named a scope, and took the same refresh without one. */
  scopeRefused: boolean;
}

const invalidScope = (err: unknown): boolean =>
  err instanceof PluginError &&
  (failedAnswerOf(err)?.error === 'invalid_scope' ||
    (err.cause instanceof client.ResponseBodyError && err.cause.error === 'invalid_scope'));

/**
 * One request to the token endpoint; the refresh token is kept when the IdP does not rotate it. A refresh answer may
 * omit the ID token (OpenID Connect Core §12.2); some IdPs send it only when the openid scope is asked for again, so a
 * refresh that wants one carries the scope — the one the IdP granted, never more (RFC 6749 §6): node oidc-provider
 * drops offline_access from a login without a consent prompt and refuses a refresh that asks for it again. Sessions
 * saved before the grant was kept send the scope asked for; an IdP that still answers invalid_scope gets the same
 * refresh once more without a scope, and the caller remembers not to send one. An ID token that came is verified
 * against the IdP's keys (kube-apiserver will, and the cache must never hold a forged one).
 */
export const refresh = async (
  provider: Provider,
  previous: TokenSet & { refreshToken: string },
  { wantIdToken, sendScope = true, keepRotated }: RefreshRequest,
): Promise<RefreshAnswer> => {
  const scope = wantIdToken && sendScope ? (previous.scope ?? scopeOf(provider.options.extraScopes)) : undefined;
  let answered: TokenSet;
  let scopeRefused = false;
  try {
    answered = await refreshOnce(provider, previous, scope, keepRotated);
  } catch (err) {
    // invalid_scope spends no refresh token: the same one is good for the request without a scope.
    if (!scope || !invalidScope(err)) throw err;
    provider.log.debug(`the IdP refused the refresh's scope "${scope}"; refreshing without one`);
    answered = await refreshOnce(provider, previous, undefined, keepRotated);
    scopeRefused = true;
  }
  // Whatever happens to the ID token (a forgery, keys that cannot be fetched, a signal), the rotated refresh token is kept.
  // The same person: a refreshed ID token for another subject is discarded (OpenID Connect Core §12.2).
  const subject = previous.idToken ? jwtClaims(previous.idToken)?.sub : undefined;
  return {
    tokens: await verifiedTokens(provider, answered, 'the refresh answer', typeof subject === 'string' ? { subject } : {}),
    scopeRefused,
  };
};

const expired = (tokens: TokenSet, nowSec: number): boolean => {
  const exp = (tokens.accessToken ? jwtExpiry(tokens.accessToken) : undefined) ?? tokens.accessTokenExpiresAt;
  return exp === undefined || exp <= nowSec + 30;
};

/**
 * RFC 7009 revocation of a refresh token, authenticated as the IdP advertises for its revocation endpoint: the client
 * secret, `client_id` in the body for a public client, or the access token where only `bearer` is offered (refreshed
 * first when it has expired, and then the new refresh token is the one revoked). Resolves false when the IdP has no
 * revocation endpoint.
 */
export const revokeRefreshToken = async (provider: Provider, tokens: TokenSet & { refreshToken: string }): Promise<boolean> => {
  const metadata = provider.config.serverMetadata();
  const endpoint = metadata.revocation_endpoint;
  if (!endpoint) return false;
  const advertised = metadata.revocation_endpoint_auth_methods_supported;
  const bearerOnly =
    !provider.options.clientSecret &&
    !provider.options.clientAssertionFile &&
    advertised?.includes('bearer') &&
    !advertised.includes('none');
  let current: TokenSet & { refreshToken: string } = tokens;
  if (bearerOnly && expired(tokens, provider.clock.now() / 1000)) {
    const { tokens: refreshed } = await refresh(provider, tokens, { wantIdToken: false });
    current = { ...refreshed, refreshToken: refreshed.refreshToken ?? tokens.refreshToken };
  }
  const remembered = provider.authenticator.method();
  const authenticator = clientAuthenticator(provider.options, 'revocation', {
    accessToken: current.accessToken,
    remembered: isSecretMethod(remembered) ? remembered : undefined,
  });
  const config = provider.configurationWith(authenticator.auth);
  await authenticated(authenticator, provider.log, 'the revocation request', endpoint, () =>
    client.tokenRevocation(config, current.refreshToken, { token_type_hint: 'refresh_token' }),
  );
  return true;
};
