import * as client from 'openid-client';
import type { TokenSet } from '../session/tokens.js';
import type { Provider } from './provider.js';
import { grantTokens, scopeOf } from './token-request.js';

/** Resource owner password credentials (RFC 6749 §4.3), kept for compatibility with IdPs that still allow it. */
export const passwordGrant = async (provider: Provider, username: string, password: string, extraScopes: string[]): Promise<TokenSet> => {
  const { config } = provider;
  return grantTokens(provider, 'password', () =>
    client.genericGrantRequest(config, 'password', { username, password, scope: scopeOf(extraScopes) }),
  );
};
