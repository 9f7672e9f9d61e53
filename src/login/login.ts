import { PluginError } from '../errors.js';
import type { GetTokenOptions } from '../options.js';
import type { Provider } from '../oidc/provider.js';
import type { TokenSet } from '../session/tokens.js';
import { loginWithBrowser } from './authcode-browser.js';

/** Picks the grant. `auto` is the browser authorization-code flow until the headless grants arrive. */
export const login = async (provider: Provider, options: GetTokenOptions): Promise<TokenSet> => {
  const grant = options.login.grantType;
  if (grant === 'auto' || grant === 'authcode') {
    return loginWithBrowser(provider, options.login, options.provider.extraScopes);
  }
  throw new PluginError('usage', `--grant-type=${grant} is not implemented yet`, 'use --grant-type=authcode');
};
