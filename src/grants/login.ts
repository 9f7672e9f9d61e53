import { PluginError } from '../errors.js';
import type { Provider } from '../oidc/provider.js';
import type { LoginInput } from '../options/types.js';
import type { TokenSet } from '../session/tokens.js';
import { loginWithBrowser } from './authcode-browser.js';
import { loginWithKeyboard } from './authcode-keyboard.js';
import { loginAuto } from './auto.js';
import { browserAvailability, currentEnvironment } from './choose.js';
import { loginWithClientCredentials } from './client-credentials.js';
import { loginWithDeviceCode } from './device-code.js';
import { loginWithPassword } from './password.js';
import { loginWithTokenExchange } from './token-exchange.js';

/** Logs in with the chosen grant (`auto`: see auto.ts). */
export const login = async (provider: Provider, options: LoginInput, interactive = false): Promise<TokenSet> => {
  const grant = options.login.grantType;
  const browser = browserAvailability(currentEnvironment(), options.login);
  switch (grant) {
    case 'auto':
      return loginAuto(provider, options, interactive);
    case 'authcode':
      return loginWithBrowser(provider, options.login, options.provider.extraScopes);
    case 'device-code':
      return loginWithDeviceCode(provider, options, browser.ok && !options.login.skipOpenBrowser);
    case 'authcode-keyboard':
      return loginWithKeyboard(provider, options, interactive);
    case 'client-credentials':
      return loginWithClientCredentials(provider, options, interactive);
    case 'password':
      return loginWithPassword(provider, options, interactive);
    case 'token-exchange':
      return loginWithTokenExchange(provider, options);
    default:
      throw new PluginError('usage', `unknown --grant-type ${String(grant)}`);
  }
};
