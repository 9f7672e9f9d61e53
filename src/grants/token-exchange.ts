import * as client from 'openid-client';
import { PluginError } from '../errors.js';
import type { Provider } from '../oidc/provider.js';
import { scopeOf, tokenRequest, toTokenSet } from '../oidc/token-request.js';
import { verifiedTokens } from '../oidc/verify.js';
import type { LoginInput } from '../options/types.js';
import { audienceList, credentialToken, jwtClaims } from '../session/expiry.js';
import type { TokenSet } from '../session/tokens.js';

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ID_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:id_token';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

interface TokenExchangeRequest {
  subjectToken: string;
  subjectTokenType: string;
  actorToken?: string;
  actorTokenType?: string;
  requestedTokenType?: string;
  resources: string[];
  audiences: string[];
  extraScopes: string[];
}

/**
 * RFC 8693 token exchange: another party's token (a CI job's, a service account's, another client's session) for one of
 * this IdP. An ID token issued in `access_token` (issued_token_type id_token, as RFC 8693 answers) is taken as the ID token.
 */
const tokenExchange = async (
  provider: Provider,
  request: TokenExchangeRequest,
  /** Whom the ID token may be for: the client, or one of the audiences asked for (kubelogin's flags). */
  audiences: string[] = [provider.options.clientId, ...request.audiences],
): Promise<TokenSet> => {
  const { config } = provider;
  const params = new URLSearchParams({ subject_token: request.subjectToken, subject_token_type: request.subjectTokenType });
  if (request.actorToken) params.set('actor_token', request.actorToken);
  if (request.actorTokenType) params.set('actor_token_type', request.actorTokenType);
  if (request.requestedTokenType) params.set('requested_token_type', request.requestedTokenType);
  for (const resource of request.resources) params.append('resource', resource);
  for (const audience of request.audiences) params.append('audience', audience);
  if (request.extraScopes.length > 0) params.set('scope', scopeOf(request.extraScopes));
  const response = await tokenRequest(provider, 'token-exchange', () => client.genericGrantRequest(config, TOKEN_EXCHANGE, params));
  const tokens = toTokenSet(response, provider.clock.now());
  if (!tokens.idToken && response.issued_token_type === ID_TOKEN_TYPE && response.access_token) {
    tokens.idToken = response.access_token;
    delete tokens.accessToken;
    delete tokens.accessTokenExpiresAt;
  }
  return verifiedTokens(provider, tokens, 'the token answer (token-exchange grant)', { audiences });
};

/**
 * The token a session gives kubectl (its ID token, or its access token with --oidc-use-access-token) exchanged for one
 * of the same kind whose audience is `audience`: one login for every cluster. Checked to be for that audience, and kept
 * without a refresh token (the next one is exchanged again).
 */
export const exchangeForAudience = async (
  provider: Provider,
  subject: string,
  audience: string,
  accessToken: boolean,
  extraScopes: string[],
): Promise<TokenSet> => {
  const type = accessToken ? ACCESS_TOKEN_TYPE : ID_TOKEN_TYPE;
  const fix = `allow client ${provider.options.clientId} to exchange its tokens for audience ${audience} at the IdP (see docs/many-clusters.md)`;
  const request = {
    subjectToken: subject,
    subjectTokenType: type,
    requestedTokenType: type,
    audiences: [audience],
    resources: [],
    extraScopes,
  };
  const { refreshToken: _, ...tokens } = await tokenExchange(provider, request, [audience]).catch((err: unknown) => {
    // The IdP's refusal (invalid_target, unauthorized_client, invalid_request): the trust between client and audience.
    if (err instanceof PluginError && err.code === 'idp_error' && !err.hint)
      throw new PluginError(err.code, err.message, fix, { cause: err });
    throw err;
  });
  const kind = accessToken ? 'access token' : 'ID token';
  const issued = credentialToken(tokens, accessToken)?.token;
  if (!issued) throw new PluginError('token_exchange', `the token exchange for audience ${audience} returned no ${kind}`, fix);
  const audiences = audienceList(jwtClaims(issued)?.aud);
  if (!audiences.includes(audience)) {
    throw new PluginError(
      'token_exchange',
      `the token exchange for audience ${audience} returned an ${kind} for ${audiences.join(', ') || 'no audience'}`,
      fix,
    );
  }
  return accessToken ? { ...tokens, accessTokenIsCredential: true } : tokens;
};

/**
 * RFC 8693 token exchange with kubelogin's flags; the subject and actor tokens come from a flag, the environment
 * (KUBECTL_OIDC_TOKEN_EXCHANGE_SUBJECT_TOKEN) or a file. kubectl gets the ID token when the IdP issues one, else the
 * issued (access) token.
 */
export const loginWithTokenExchange = async (provider: Provider, options: LoginInput): Promise<TokenSet> => {
  const { login } = options;
  if (!login.tokenExchangeSubjectToken) {
    throw new PluginError(
      'usage',
      '--grant-type=token-exchange needs the token to exchange',
      'pass --token-exchange-subject-token-file, or KUBECTL_OIDC_TOKEN_EXCHANGE_SUBJECT_TOKEN in the exec env',
    );
  }
  const tokens = await tokenExchange(provider, {
    subjectToken: login.tokenExchangeSubjectToken,
    subjectTokenType: login.tokenExchangeSubjectTokenType,
    ...(login.tokenExchangeActorToken ? { actorToken: login.tokenExchangeActorToken } : {}),
    ...(login.tokenExchangeActorTokenType ? { actorTokenType: login.tokenExchangeActorTokenType } : {}),
    ...(login.tokenExchangeRequestedTokenType ? { requestedTokenType: login.tokenExchangeRequestedTokenType } : {}),
    resources: login.tokenExchangeResources,
    audiences: login.tokenExchangeAudiences,
    extraScopes: options.provider.extraScopes,
  });
  return tokens.idToken ? tokens : { ...tokens, accessTokenIsCredential: true };
};
