import * as client from 'openid-client';
import { PluginError } from '../errors.js';
import type { TokenSet } from '../session/tokens.js';
import { failedAnswerOf } from './failed-answer.js';
import type { Provider } from './provider.js';
import { grantTokens } from './token-request.js';

/** Client credentials (machine to machine); `extra` carries e.g. Authentik's username + app password. */
export const clientCredentials = async (provider: Provider, extraScopes: string[], extra: Record<string, string>): Promise<TokenSet> => {
  const { config } = provider;
  const params: Record<string, string> = { ...extra };
  if (extraScopes.length > 0) params.scope = extraScopes.join(' ');
  try {
    return await grantTokens(provider, 'client_credentials', () => client.clientCredentialsGrant(config, params));
  } catch (err) {
    // Some IdPs (LemonLDAP::NG) grant nothing to a request without a scope.
    if (err instanceof PluginError && extraScopes.length === 0 && failedAnswerOf(err)?.error === 'invalid_scope') {
      throw new PluginError(err.code, err.message, 'this IdP wants a scope on this grant: pass --oidc-extra-scope (e.g. openid)', {
        cause: err,
      });
    }
    throw err;
  }
};
