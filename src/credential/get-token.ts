import { PluginError } from '../errors.js';
import type { GetTokenOptions } from '../options.js';
import { debug, info } from '../log.js';
import { credentialToken, isFresh, type CredentialToken } from '../session/expiry.js';
import { sessionKey } from '../session/key.js';
import { openStore } from '../session/open-store.js';
import type { TokenSet } from '../session/tokens.js';
import { formatExecCredential, type ExecInfo } from './exec-credential.js';

const nowSec = (): number => Date.now() / 1000;

const output = (execInfo: ExecInfo, token: CredentialToken): void => {
  const expiresAt = token.expiresAt === undefined ? undefined : new Date(token.expiresAt * 1000);
  process.stdout.write(formatExecCredential(execInfo.apiVersion, token.token, expiresAt));
};

const missingTokenError = (useAccessToken: boolean): PluginError =>
  new PluginError(
    'token_exchange',
    `the IdP returned no ${useAccessToken ? 'access' : 'ID'} token`,
    useAccessToken ? undefined : 'make sure the "openid" scope is allowed for this client',
  );

/**
 * The get-token use case: a fresh cached token is printed with no network call; an expired one is refreshed;
 * otherwise the user logs in. The network modules are imported only when the cache cannot answer.
 */
export const getToken = async (options: GetTokenOptions, execInfo: ExecInfo): Promise<void> => {
  const store = openStore(options.cache);
  const key = sessionKey(options);
  const cached = await store.load(key);
  const cachedToken = cached && credentialToken(cached, options.useAccessToken);
  if (cachedToken && !options.forceRefresh && isFresh(cachedToken, nowSec(), options.cache.tokenExpiryMarginSec)) {
    debug(`using the cached token from ${store.name} storage`);
    output(execInfo, cachedToken);
    return;
  }

  const { discover } = await import('../oidc/provider.js');
  const provider = await discover(options.provider);

  let tokens: TokenSet | undefined;
  if (cached?.refreshToken) {
    const { refresh } = await import('../oidc/tokens.js');
    try {
      tokens = await refresh(provider, { ...cached, refreshToken: cached.refreshToken });
      if (!credentialToken(tokens, options.useAccessToken)) {
        info('the refresh answer carried no ID token; logging in again');
        tokens = undefined;
      } else {
        debug('refreshed the token');
      }
    } catch (err) {
      info(`could not refresh the token (${err instanceof PluginError ? err.message : String(err)}); logging in again`);
    }
  }
  if (!tokens) {
    const { login } = await import('../login/login.js');
    tokens = await login(provider, options);
  }
  const token = credentialToken(tokens, options.useAccessToken);
  if (!token) throw missingTokenError(options.useAccessToken);
  try {
    await store.save(key, tokens);
  } catch (err) {
    // The login worked: kubectl still gets its token, and the next run logs in again.
    info(`${err instanceof PluginError ? err.message : String(err)}; the token is not cached`);
  }
  output(execInfo, token);
};
