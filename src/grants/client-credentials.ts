import { clientCredentials } from '../oidc/client-credentials.js';
import type { Provider } from '../oidc/provider.js';
import type { LoginInput } from '../options/types.js';
import type { TokenSet } from '../session/tokens.js';
import { resolvePassword } from './password.js';

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
