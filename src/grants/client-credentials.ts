import * as client from 'openid-client';
import { PluginError } from '../errors.js';
import { failedAnswerOf } from '../oidc/failed-answer.js';
import type { Provider } from '../oidc/provider.js';
import { grantTokens } from '../oidc/token-request.js';
import type { LoginInput } from '../options/types.js';
import type { TokenSet } from '../session/tokens.js';
import { resolvePassword } from './password.js';

/** Client credentials (machine to machine); `extra` carries e.g. Authentik's username + app password. */
const clientCredentials = async (provider: Provider, extraScopes: string[], extra: Record<string, string>): Promise<TokenSet> => {
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

/**
 * Machine-to-machine: client secret (basic or post), a JWT client assertion from a file, or Authentik's service account
 * `username` + app-password `password`. kubectl gets the ID token when the IdP issues one, else the access token.
 */
export const loginWithClientCredentials = async (provider: Provider, options: LoginInput, interactive: boolean): Promise<TokenSet> => {
  const { username } = options.login;
  const extra: Record<string, string> = username
    ? { username, password: await resolvePassword(options.login, interactive, 'App password') }
    : {};
  const tokens = await clientCredentials(provider, options.provider.extraScopes, extra);
  return tokens.idToken ? tokens : { ...tokens, accessTokenIsCredential: true };
};
