import * as client from 'openid-client';
import type { TokenSet } from '../session/tokens.js';
import type { Provider } from './provider.js';
import { grantTokens, scopeOf } from './token-request.js';

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';

export interface TokenExchangeRequest {
  subjectToken: string;
  subjectTokenType: string;
  actorToken?: string;
  actorTokenType?: string;
  requestedTokenType?: string;
  resources: string[];
  audiences: string[];
  extraScopes: string[];
}

/** RFC 8693 token exchange: another party's token (a CI job's, a service account's) for one of this IdP. */
export const tokenExchange = async (provider: Provider, request: TokenExchangeRequest): Promise<TokenSet> => {
  const { config } = provider;
  const params = new URLSearchParams({ subject_token: request.subjectToken, subject_token_type: request.subjectTokenType });
  if (request.actorToken) params.set('actor_token', request.actorToken);
  if (request.actorTokenType) params.set('actor_token_type', request.actorTokenType);
  if (request.requestedTokenType) params.set('requested_token_type', request.requestedTokenType);
  for (const resource of request.resources) params.append('resource', resource);
  for (const audience of request.audiences) params.append('audience', audience);
  if (request.extraScopes.length > 0) params.set('scope', scopeOf(request.extraScopes));
  return grantTokens(provider, 'token-exchange', () => client.genericGrantRequest(config, TOKEN_EXCHANGE, params));
};
