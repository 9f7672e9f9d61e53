import { join } from 'node:path';
import { PluginError } from '../errors.js';
import type { GetTokenOptions } from '../options/types.js';
import { debug, info } from '../log.js';
import { clearCooldown, readCooldown, startCooldown } from '../session/cooldown.js';
import { readDiscovery, writeDiscovery } from '../session/discovery-cache.js';
import { credentialToken } from '../session/expiry.js';
import { sessionInfo } from '../session/info.js';
import { sessionKey } from '../session/key.js';
import { acquireLock } from '../session/lock.js';
import { openStore } from '../session/open-store.js';
import type { SessionStore, TokenSet } from '../session/tokens.js';
import { freshToken, output, serveFromCache } from './cache-hit.js';
import type { ExecInfo } from './exec-credential.js';

/** A person at a terminal may start a new login at once; tools running kubectl in the background may not. */
const isInteractive = (execInfo: ExecInfo): boolean =>
  execInfo.interactive ?? (Boolean(process.stdin.isTTY) && Boolean(process.stderr.isTTY));

/** Refreshes, or logs in when there is no refresh token or the refresh fails (saying why first). */
const obtainTokens = async (options: GetTokenOptions, cached: TokenSet | undefined, persistent: boolean, interactive: boolean): Promise<TokenSet> => {
  const { discover } = await import('../oidc/provider.js');
  const dir = options.cache.tokenCacheDir;
  const issuer = options.provider.issuerUrl;
  const metadata = persistent ? await readDiscovery(dir, issuer, Date.now()) : undefined;
  const { provider, fetched } = await discover(options.provider, metadata);
  if (fetched && persistent) await writeDiscovery(dir, issuer, fetched.metadata, fetched.maxAgeSec);
  if (cached?.refreshToken) {
    const { refresh } = await import('../oidc/tokens.js');
    try {
      const tokens = await refresh(provider, { ...cached, refreshToken: cached.refreshToken });
      if (credentialToken(tokens, options.useAccessToken)) {
        debug('refreshed the token');
        return tokens;
      }
      info('the refresh answer carried no ID token; logging in again');
    } catch (err) {
      info(`could not refresh the token (${err instanceof PluginError ? err.message : String(err)}); logging in again`);
    }
  }
  const { login } = await import('../login/login.js');
  return login(provider, options, interactive);
};

/** Failures of a login that was shown in a browser tab: they start the cool-down. */
const LOGIN_FAILURES = new Set(['timeout', 'interrupted', 'idp_error', 'token_exchange']);

const cooldownError = (reason: string, at: number, until: number): PluginError =>
  new PluginError(
    'login_cooldown',
    `the last login for this session failed ${Math.round((Date.now() - at) / 1000)} s ago (${reason}); not opening another browser tab for ${Math.ceil((until - Date.now()) / 1000)} s`,
    'run a kubectl command from a terminal to log in now',
  );

/**
 * The get-token use case. A fresh cached token is printed with no lock and no network. Otherwise one process per
 * session refreshes or logs in while the others wait for it and then read what it saved.
 */
export const getToken = async (options: GetTokenOptions, execInfo: ExecInfo, missedIn?: SessionStore): Promise<void> => {
  // missedIn: the store in which the caller has just found no fresh token (the cache-hit fast path).
  const store: SessionStore = missedIn ?? (await openStore(options.cache));
  const key = sessionKey(options);
  if (!missedIn && !options.forceRefresh && (await serveFromCache(options, execInfo, store))) return;

  const dir = options.cache.tokenCacheDir;
  const lock = store.persistent
    ? await acquireLock(join(dir, `${key}.lock`), {
        timeoutMs: (options.login.authenticationTimeoutSec + 60) * 1000,
        onWait: () => info('another kubectl-oidc process is logging in or refreshing this session; waiting for it'),
      })
    : undefined;
  try {
    // Read again under the lock: another process may have refreshed or logged in since our miss, even if we did not
    // have to wait for it. Only a --force-refresh that found the lock free insists on a new token.
    const cached = await store.load(key);
    const shared = !options.forceRefresh || lock?.waited ? freshToken(cached, options) : undefined;
    if (shared) {
      debug('using the token another process just obtained');
      output(options, execInfo, shared);
      return;
    }
    // The cool-down is about browser tabs and prompts; machine grants (client credentials, password) never open one.
    const promptsAPerson = options.login.grantType !== 'client-credentials' && options.login.grantType !== 'password';
    if (store.persistent && promptsAPerson) {
      const cooldown = await readCooldown(dir, key, Date.now());
      if (cooldown && (lock?.waited || !isInteractive(execInfo))) throw cooldownError(cooldown.reason, cooldown.at, cooldown.until);
    }

    let tokens: TokenSet;
    try {
      tokens = await obtainTokens(options, cached, store.persistent, isInteractive(execInfo));
    } catch (err) {
      if (store.persistent && promptsAPerson && err instanceof PluginError && LOGIN_FAILURES.has(err.code)) {
        await startCooldown(dir, key, options.cache.loginCooldownSec, err.message).catch(() => undefined);
      }
      throw err;
    }
    const token = credentialToken(tokens, options.useAccessToken);
    if (!token) {
      throw new PluginError('token_exchange', `the IdP returned no ${options.useAccessToken ? 'access' : 'ID'} token`);
    }
    try {
      await store.save(key, tokens, sessionInfo(options, tokens, token.expiresAt));
      if (store.persistent) await clearCooldown(dir, key);
    } catch (err) {
      // The login worked: kubectl still gets its token, and the next run logs in again.
      info(`${err instanceof PluginError ? err.message : String(err)}; the token is not cached`);
    }
    output(options, execInfo, token);
  } finally {
    await lock?.release();
  }
};
