import type { Clock } from '../ambient.js';
import { PluginError } from '../errors.js';
import type { Logger } from '../log.js';
import type { GetTokenOptions } from '../options/types.js';
import type { Cooldown } from '../session/cooldown.js';
import { type CredentialToken, credentialToken, freshToken, isFresh } from '../session/expiry.js';
import { sessionInfo } from '../session/info.js';
import { exchangedFrom, sessionKey } from '../session/key.js';
import type { Lock } from '../session/lock.js';
import type { IdpReach, SessionStore, TokenSet } from '../session/tokens.js';

/** What a refresh answered. */
export interface Refreshed {
  tokens: TokenSet;
  /** The IdP is known to send no ID token on refresh: the line that says why a login follows was said before. */
  knownWithoutIdToken?: boolean;
}

/**
 * A failure that still hands over tokens worth keeping: the refresh token the IdP may just have rotated, or a session
 * whose ID token could not be checked yet because the IdP's keys could not be fetched (code `keys_unavailable`).
 */
export type KeepingError = PluginError & { keep: TokenSet };

const keptBy = (err: unknown): TokenSet | undefined =>
  err instanceof PluginError && 'keep' in err ? (err as KeepingError).keep : undefined;

/** The identity provider, discovered on first use. Its failures are PluginErrors, some of them KeepingErrors. */
export interface Idp {
  /**
   * `keep` saves what must outlive the run the moment it arrives (a rotated refresh token). `unkeepable`: why nothing
   * the refresh brings could be kept (a cache that cannot be locked or written); a refresh token that may rotate is then
   * not spent.
   */
  refresh(tokens: TokenSet & { refreshToken: string }, keep: (tokens: TokenSet) => Promise<void>, unkeepable?: string): Promise<Refreshed>;
  login(): Promise<TokenSet>;
  /** The token of another session (--oidc-client-id's) for a token of `audience`: no browser, no refresh token. */
  forAudience(subject: CredentialToken, audience: string): Promise<TokenSet>;
  /** RFC 7009 revocation of the refresh token (logout); false when the IdP has no revocation endpoint. */
  revoke(tokens: TokenSet & { refreshToken: string }): Promise<boolean>;
}

/** Everything the session service decides with: the clock, the terminal, and the adapters it acts through. */
export interface SessionAdapters {
  clock: Clock;
  /** When this process started, in milliseconds since the epoch. */
  startedAt: number;
  /** Whether a person at a terminal runs this: they may start a new login at once, tools in the background may not. */
  interactive: boolean;
  /** A command a person ran to log in (setup, login): a cool-down left by background runs never holds it back. */
  askedByPerson?: boolean;
  /** The kubectl command that ran this process (absent when no kubectl did): it runs the plugin again when a run fails. */
  parent?: number;
  store: SessionStore;
  /** The session's cross-process lock (only for a persistent store). */
  lock(key: string): Promise<Lock & { waited: boolean }>;
  cooldown: {
    read(key: string): Promise<Cooldown | undefined>;
    start(key: string, seconds: number, reason: string): Promise<void>;
    clear(key: string): Promise<void>;
  };
  idp(): Promise<Idp>;
  /** A credential just obtained and cached, for the launcher's hit file (best effort: a failure only costs speed). */
  published(key: string, token: CredentialToken): Promise<void>;
  /** The session's hit files removed wherever a reader would look (logout). */
  unpublish(key: string): Promise<void>;
  /** The user's terminal (stderr). */
  log: Logger;
  /** How this run reaches the IdP, kept with the session (for revoking it later without these flags). */
  reach?: IdpReach;
}

/** What a caller asks of the session beyond its credential. */
export interface ObtainRequest {
  /**
   * 'login': a new login whatever the session holds (login --force-login). 'refresh': one refresh now whatever the
   * session holds, and no login in its place: a refresh that fails, or brings no ID token, is the caller's error
   * (setup's check of what every later refresh will do).
   */
  renew?: 'refresh' | 'login';
}

/** A session's tokens and its credential, and how they were had. */
export interface Obtained {
  tokens: TokenSet;
  token: CredentialToken;
  via: 'cache' | 'refresh' | 'login' | 'exchange';
  /** With --oidc-audience: the client's own session the credential was exchanged from. */
  subject?: Obtained;
}

const MACHINE_GRANTS = new Set(['client-credentials', 'password', 'token-exchange']);

/**
 * What the person did with a login shown to them (abandoned, cancelled, denied, let time out): these start the
 * cool-down. Failures of the IdP or the network are reported as they are, each time.
 */
const LOGIN_FAILURES = new Set(['timeout', 'interrupted', 'login_failed']);

/**
 * The IdP or the way to it is down, or its keys cannot be fetched: a new login would fail just the same, and the
 * refresh token is still good.
 */
const TRANSIENT = new Set(['issuer_unreachable', 'tls', 'keys_unavailable']);

const cooldownError = (cooldown: Cooldown, nowMs: number, sameCommand: boolean): PluginError => {
  const ago = `${Math.round((nowMs - cooldown.at) / 1000)} s ago (${cooldown.reason})`;
  return sameCommand
    ? new PluginError(
        'login_cooldown',
        `the login this kubectl command asked for ended ${ago}; not starting another for the same command`,
        'run the kubectl command again to log in',
      )
    : new PluginError(
        'login_cooldown',
        `the last login for this session failed ${ago}; not opening another browser tab for ${Math.ceil((cooldown.until - nowMs) / 1000)} s`,
        'run a kubectl command from a terminal to log in now',
      );
};

/**
 * Refreshes, or logs in when there is no refresh token or the refresh fails (saying why first, once). Whatever a failed
 * refresh or login still hands over (a rotated refresh token) is kept before anything else happens.
 */
const obtainTokens = async (
  options: GetTokenOptions,
  cached: TokenSet | undefined,
  a: SessionAdapters,
  request: ObtainRequest,
  keep: (tokens: TokenSet) => Promise<void>,
  beforeLogin: () => Promise<void>,
  unkeepable: string | undefined,
): Promise<Omit<Obtained, 'token'>> => {
  let idp: Idp | undefined;
  const connect = async (): Promise<Idp> => {
    idp ??= await a.idp();
    return idp;
  };
  const { audience } = options.provider;
  if (audience) {
    // The session of the client itself, fresh (from the cache, or refreshed or logged in under its own lock, where
    // every cluster's run waits for the one login), is exchanged: one login for every audience.
    const subject = await obtain(exchangedFrom(options), { ...a, published: async () => undefined }, request);
    a.log.debug(`exchanging the session of ${options.provider.clientId} for a token for ${audience}`);
    return { tokens: await (await connect()).forAudience(subject.token, audience), via: 'exchange', subject };
  }
  const refreshOnly = request.renew === 'refresh';
  if (cached?.refreshToken && request.renew !== 'login') {
    try {
      a.log.debug('refreshing the token');
      const { tokens, knownWithoutIdToken } = await (await connect()).refresh(
        { ...cached, refreshToken: cached.refreshToken },
        (rotated) => keep({ ...cached, ...rotated }),
        unkeepable,
      );
      if (credentialToken(tokens, options.useAccessToken)) {
        a.log.debug('refreshed the token');
        return { tokens, via: 'refresh' };
      }
      await keep({ ...cached, ...tokens }).catch(() => undefined);
      if (refreshOnly) throw new PluginError('no_id_token', 'the IdP refreshed the session but sent no ID token');
      const why =
        'the IdP refreshed the session but sent no ID token (OpenID Connect allows that), so a browser login follows; ' +
        'to avoid it, have the IdP include the ID token in refresh answers, or use --oidc-use-access-token where the ' +
        'cluster accepts access tokens';
      if (knownWithoutIdToken) a.log.debug(why);
      else a.log.info(why);
    } catch (err) {
      const kept = keptBy(err);
      if (kept) await keep({ ...cached, ...kept }).catch(() => undefined);
      if (refreshOnly) throw err;
      if (err instanceof PluginError && (TRANSIENT.has(err.code) || err.code === 'interrupted' || err.code === 'cache')) throw err;
      const message = err instanceof PluginError ? err.message : String(err);
      a.log.info(
        `${kept ? `could not use the refresh answer (${message})` : `could not refresh the token (${message})`}; logging in again`,
      );
    }
  }
  if (refreshOnly) throw new PluginError('no_refresh_token', 'the session has no refresh token');
  await beforeLogin();
  try {
    return { tokens: await (await connect()).login(), via: 'login' };
  } catch (err) {
    // A login whose ID token cannot be checked yet: its refresh token spares the next run the browser.
    const kept = keptBy(err);
    if (kept && err instanceof PluginError && err.code === 'keys_unavailable') await keep(kept).catch(() => undefined);
    throw err;
  }
};

/**
 * The session service, the one way any command gets tokens: a fresh cached session with no lock and no network.
 * Otherwise one process per session refreshes, logs in or exchanges while the others wait for it and then read what it
 * saved; what it obtained is saved, its credential published to the hit file, the cool-down kept.
 */
export const obtain = async (options: GetTokenOptions, a: SessionAdapters, request: ObtainRequest = {}): Promise<Obtained> => {
  const { store } = a;
  const key = sessionKey(options);
  const renewing = options.forceRefresh || request.renew !== undefined;
  const fresh = (tokens: TokenSet | undefined): CredentialToken | undefined => freshToken(tokens, options, a.clock.now() / 1000);
  // (After get-token's cache-hit path, this read is the one it made: session/read-once.ts.)
  if (!renewing) {
    const tokens = await store.load(key);
    const hit = fresh(tokens);
    if (tokens && hit) {
      a.log.debug(`using the cached token (${store.name} storage)`);
      return { tokens, token: hit, via: 'cache' };
    }
  }

  // A cache that cannot be locked (a read-only HOME, a directory that is not ours) still lets kubectl have a token:
  // obtained without the lock and not cached, said once (a refresh token that may rotate is not spent for it).
  let cacheable = store.persistent;
  let unkeepable: string | undefined;
  let unkeepableFix: string | undefined;
  let lock: (Lock & { waited: boolean }) | undefined;
  if (store.persistent) {
    try {
      lock = await a.lock(key);
    } catch (err) {
      if (!(err instanceof PluginError) || err.code !== 'cache') throw err;
      // Nothing new could be kept (a read-only or full disk, a foreign lock): a token that has not expired is worth more
      // than a refresh whose rotated refresh token would be lost — even when a new one was asked for.
      const cached = await store.load(key);
      const token = cached && credentialToken(cached, options.useAccessToken);
      if (cached && token && isFresh(token, a.clock.now() / 1000, 0)) {
        const said = `${err.message}; using the cached token, which has not expired, rather than refreshing what cannot be saved`;
        if (renewing) a.log.info(said);
        else a.log.debug(said);
        return { tokens: cached, token, via: 'cache' };
      }
      cacheable = false;
      unkeepable = err.message;
      unkeepableFix = err.hint;
    }
  }
  try {
    // A run killed after the IdP answered may have left the newest session (its rotated refresh token) in a temp file.
    if (lock) await store.recover?.(key).catch((err: unknown) => a.log.debug(`could not look for what killed runs left: ${String(err)}`));
    // Read again under the lock: another process may have refreshed or logged in since our miss, even if we did not
    // have to wait for it. After a wait, or when it was issued after this process started, what is there is used while
    // it has not expired, whatever the margin (a short-lived token just obtained is for every process of the batch).
    // Only a --force-refresh that found the lock free and nothing newer than itself insists on a new token; a renewal
    // asked for by a command (setup's refresh check, login --force-login) always does.
    const cached = await store.load(key);
    const there = cached && credentialToken(cached, options.useAccessToken);
    // Issued after this process started: another process of the same batch obtained it (this one was slow to start).
    const sharedWithUs = lock?.waited || (there?.issuedAt !== undefined && there.issuedAt * 1000 >= a.startedAt);
    const margin = sharedWithUs ? 0 : options.cache.tokenExpiryMarginSec;
    const reusable = request.renew === undefined && (sharedWithUs || !options.forceRefresh);
    // Shared, it need not last the margin, but a tenth of its life (a second at most): one that expires before kubectl
    // gets it is none.
    const floor = there?.expiresAt !== undefined && there.issuedAt !== undefined ? Math.min(1, (there.expiresAt - there.issuedAt) / 10) : 0;
    if (cached && there && reusable && isFresh(there, a.clock.now() / 1000 + floor, margin)) {
      a.log.debug('using the token another process just obtained');
      return { tokens: cached, token: there, via: 'cache' };
    }
    // The cool-down is about browser tabs and prompts: it holds back a login, never a refresh; machine grants never
    // open one.
    // An --oidc-audience session opens nothing itself: the session it is exchanged from has the cool-down.
    const promptsAPerson = !MACHINE_GRANTS.has(options.login.grantType) && !options.provider.audience;
    const coolsDown = cacheable && promptsAPerson;
    const beforeLogin = async (): Promise<void> => {
      const cooldown = coolsDown && !a.askedByPerson ? await a.cooldown.read(key) : undefined;
      // kubectl runs the plugin a second time when the first has failed (not while it runs: that one waited for the
      // lock): the second run is no new request from the person.
      const sameCommand = !lock?.waited && a.parent !== undefined && cooldown?.parent === a.parent;
      if (cooldown && (lock?.waited || !a.interactive || sameCommand)) throw cooldownError(cooldown, a.clock.now(), sameCommand);
    };

    let obtained: Omit<Obtained, 'token'>;
    try {
      const keep = async (kept: TokenSet): Promise<void> => {
        if (cacheable) await store.save(key, kept, sessionInfo(options, kept, undefined, a.clock.now(), a.reach));
      };
      obtained = await obtainTokens(options, cached, a, request, keep, beforeLogin, unkeepable);
    } catch (err) {
      if (coolsDown && err instanceof PluginError && LOGIN_FAILURES.has(err.code)) {
        await a.cooldown.start(key, options.cache.loginCooldownSec, err.message).catch(() => undefined);
      }
      throw err;
    }
    const { tokens } = obtained;
    const token = credentialToken(tokens, options.useAccessToken);
    if (!token) throw new PluginError('token_exchange', `the IdP returned no ${options.useAccessToken ? 'access' : 'ID'} token`);
    // One line: what could not be kept, and which flag or variable moves the cache.
    if (unkeepable) a.log.info(`${unkeepable}; the token will not be cached${unkeepableFix ? ` — ${unkeepableFix}` : ''}`);
    try {
      if (cacheable || !store.persistent)
        await store.save(key, tokens, sessionInfo(options, tokens, token.expiresAt, a.clock.now(), a.reach));
      if (cacheable) {
        await a.cooldown.clear(key);
        await a.published(key, token);
      }
    } catch (err) {
      // The login worked: kubectl still gets its token, and the next run logs in again.
      a.log.info(`${err instanceof PluginError ? err.message : String(err)}; the token is not cached`);
    }
    return { ...obtained, token };
  } finally {
    await lock?.release();
  }
};

/**
 * A session obtained elsewhere (a kubelogin session that migrate imports), saved under the session's lock unless the
 * session already holds one: what our own runs obtained is never replaced by an older copy. Published for the hit file.
 */
export const adopt = async (options: GetTokenOptions, a: SessionAdapters, tokens: TokenSet): Promise<boolean> => {
  const key = sessionKey(options);
  const lock = a.store.persistent ? await a.lock(key) : undefined;
  try {
    if (await a.store.load(key)) return false;
    const token = credentialToken(tokens, options.useAccessToken);
    await a.store.save(key, tokens, sessionInfo(options, tokens, token?.expiresAt, a.clock.now(), a.reach));
    if (token && isFresh(token, a.clock.now() / 1000, options.cache.tokenExpiryMarginSec)) await a.published(key, token);
    return true;
  } finally {
    await lock?.release();
  }
};
