import { createInterface } from 'node:readline';
import { PluginError } from '../errors.js';
import type { Provider } from '../oidc/provider.js';
import type { LoginInput } from '../options/types.js';
import type { TokenSet } from '../session/tokens.js';
import { exchangeCode, prepareAuthorization } from './authorization-code.js';
import { openBrowser } from './browser.js';
import { loginSignal } from './signal.js';

const readLine = (signal: AbortSignal): Promise<string> =>
  new Promise((resolve, reject) => {
    const rl = createInterface({ input: process.stdin, terminal: false });
    const onAbort = (): void => {
      rl.close();
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const onClose = (): void => reject(new PluginError('interrupted', 'no code was pasted (end of input); nothing was saved'));
    rl.once('line', (line) => {
      signal.removeEventListener('abort', onAbort);
      rl.off('close', onClose);
      rl.close();
      resolve(line.trim());
    });
    rl.once('close', onClose);
  });

/**
 * The callback as openid-client wants it, from what the person pasted: the whole address the browser ended on (state
 * and iss are then checked), or just the code (then this login's own state stands in for it).
 */
export const callbackFromPaste = (pasted: string, redirectUri: string, state: string, issuer: string): URL => {
  if (/^[a-z][a-z0-9+.-]*:/i.test(pasted) && pasted.includes('?')) {
    const url = new URL(pasted);
    const callback = new URL(redirectUri);
    callback.search = url.search;
    return callback;
  }
  if (!pasted || /\s/.test(pasted))
    throw new PluginError('usage', 'that is neither an authorization code nor the address the browser ended on');
  const callback = new URL(redirectUri);
  callback.search = new URLSearchParams({ code: pasted, state, iss: issuer }).toString();
  return callback;
};

/** Authorization code + PKCE where the browser cannot reach this machine: the person pastes the code back. */
export const loginWithKeyboard = async (provider: Provider, options: LoginInput, interactive: boolean): Promise<TokenSet> => {
  if (!interactive) {
    throw new PluginError(
      'usage',
      '--grant-type=authcode-keyboard needs your terminal, but kubectl did not pass it to the plugin',
      'set interactiveMode: IfAvailable (or Always) in the kubeconfig exec section ' +
        'and run kubectl from a terminal, or use --grant-type=device-code',
    );
  }
  const { signal, dispose } = loginSignal(provider, options.login.authenticationTimeoutSec);
  try {
    const redirectUri = options.login.keyboardRedirectUrl;
    const request = await prepareAuthorization(provider, {
      redirectUri,
      extraScopes: options.provider.extraScopes,
      pkceMethod: options.login.pkceMethod,
      extraParams: options.login.loginHint
        ? { ...options.login.authRequestExtraParams, login_hint: options.login.loginHint }
        : options.login.authRequestExtraParams,
    });
    await openBrowser(
      request.url.href,
      options.login,
      provider.log,
      'open this URL in a browser, log in, then paste the code it shows (or the whole address it ended on) here:',
    );
    process.stderr.write('code or URL: ');
    const pasted = await readLine(signal);
    const issuer = provider.config.serverMetadata().issuer;
    return await exchangeCode(provider, request, callbackFromPaste(pasted, redirectUri, request.state, issuer));
  } finally {
    dispose();
  }
};
