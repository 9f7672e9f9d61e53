import { pollDeviceAuthorization, startDeviceAuthorization } from '../oidc/device-authorization.js';
import type { Provider } from '../oidc/provider.js';
import type { LoginInput } from '../options/types.js';
import type { TokenSet } from '../session/tokens.js';
import { openBrowser } from './browser.js';
import { loginSignal } from './signal.js';

/**
 * RFC 8628: the person logs in on any device; we poll. Ctrl-C and the timeout stop the polling at once. `started` is
 * called once the IdP has handed out the code.
 */
export const loginWithDeviceCode = async (
  provider: Provider,
  options: LoginInput,
  canOpenBrowser: boolean,
  cancel?: AbortSignal,
  started?: () => void,
): Promise<TokenSet> => {
  const { signal, dispose } = loginSignal(provider, options.login.authenticationTimeoutSec, cancel, true);
  try {
    const device = await startDeviceAuthorization(provider, {
      extraScopes: options.provider.extraScopes,
      pkceMethod: options.login.pkceMethod,
      extraParams: options.login.authRequestExtraParams,
    });
    started?.();
    const { verification_uri: uri, verification_uri_complete: complete, user_code: code } = device.response;
    // The code on a line of its own, spaced out and (on a colour terminal) bold: it is read off a screen and typed.
    const { log } = provider;
    log.info(
      `to log in, open ${uri} on any device and enter the code\n\n        ${log.emphasis(code)}\n${complete ? `\n    or open ${complete}\n` : ''}`,
    );
    if (complete && canOpenBrowser) await openBrowser(complete, options.login, log, false);
    return await pollDeviceAuthorization(provider, device, signal);
  } finally {
    dispose();
  }
};
