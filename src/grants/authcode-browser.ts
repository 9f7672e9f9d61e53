import { PluginError } from '../errors.js';
import { type LoopbackServer, startLoopbackServer } from '../loopback/server.js';
import type { Provider } from '../oidc/provider.js';
import type { LoginOptions } from '../options/types.js';
import { jwtClaims } from '../session/expiry.js';
import type { TokenSet } from '../session/tokens.js';
import { exchangeCode, preflightAuthorization, prepareAuthorization } from './authorization-code.js';
import { openBrowser } from './browser.js';
import { loginSignal } from './signal.js';

/** Who just logged in, for the success page: a name a person recognises, never a token. */
const accountName = (tokens: TokenSet): string | undefined => {
  const claims = tokens.idToken ? jwtClaims(tokens.idToken) : undefined;
  const name = claims?.email ?? claims?.preferred_username ?? claims?.sub;
  return typeof name === 'string' ? name : undefined;
};

/**
 * Authorization code + PKCE through the system browser and a loopback callback (RFC 8252), on `listening` when the
 * caller has started the callback server already (it is closed here either way).
 */
export const loginWithBrowser = async (
  provider: Provider,
  options: LoginOptions,
  extraScopes: string[],
  cancel?: AbortSignal,
  listening?: LoopbackServer,
  /** Said once the IdP has taken the authorization request, just before the address is shown or opened. */
  beforeOpen?: () => void,
): Promise<TokenSet> => {
  // The server first: a port that cannot listen is an error at once, before a countdown or a login timer starts.
  const server = listening ?? (await startLoopbackServer(options, provider.log));
  const { signal, dispose } = loginSignal(provider, options.authenticationTimeoutSec, cancel, true);
  try {
    const request = await prepareAuthorization(provider, {
      redirectUri: server.target.redirectUri,
      extraScopes,
      pkceMethod: options.pkceMethod,
      extraParams: options.loginHint
        ? { ...options.authRequestExtraParams, login_hint: options.loginHint }
        : options.authRequestExtraParams,
    });
    await preflightAuthorization(provider, request);
    beforeOpen?.();
    const callback = server.waitForCallback(request.state, signal, request.url.href);
    await openBrowser(request.url.href, options, provider.log, undefined, server.shortUrl);
    const { url, finish } = await callback;
    provider.log.debug('received the authorization response; exchanging the code');
    try {
      const tokens = await exchangeCode(provider, request, url);
      const after = options.openUrlAfterAuthentication;
      await finish({ ok: true, account: accountName(tokens), ...(after ? { redirectTo: after } : {}) });
      return tokens;
    } catch (err) {
      // The browser is told either way; a run being cut short does not wait for it to read the page.
      const told = finish({ ok: false, message: err instanceof PluginError ? err.message : 'the code exchange failed' });
      if (!signal.aborted) await told;
      throw err;
    }
  } finally {
    dispose();
    await server.close(signal.aborted);
  }
};
