import type { Ambient } from '../../ambient.js';
import { PluginError } from '../../errors.js';
import { type ExecInfo, formatExecCredential } from '../../hit/exec-credential.js';
import { type Invocation, restoreHit } from '../../hit/publish-hit.js';
import { writeStdout } from '../../hit/stdout.js';
import type { GetTokenOptions } from '../../options/types.js';
import { type CredentialToken, freshToken, marginFor } from '../../session/expiry.js';
import { sessionKey } from '../../session/key.js';
import { openStore } from '../../session/open-store.js';
import type { SessionStore } from '../../session/tokens.js';

/**
 * kubectl keeps a credential in-process until expirationTimestamp, with no margin of its own: report the expiry minus
 * the token's margin so it never sends a token the API server is about to reject. Never a time in the past (a clock
 * behind the IdP's): kubectl would then keep running the plugin; without one it uses the token until a 401.
 */
export const reportedExpiry = (token: CredentialToken, marginSec: number, now: number): Date | undefined => {
  if (token.expiresAt === undefined) return undefined;
  const early = token.expiresAt - marginFor(token, marginSec);
  const reported = early > now ? early : token.expiresAt;
  return reported > now ? new Date(reported * 1000) : undefined;
};

/** The one ExecCredential of this run, on stdout. */
export const printCredential = (options: GetTokenOptions, execInfo: ExecInfo, token: CredentialToken, nowSec: number): void => {
  const expiresAt = reportedExpiry(token, options.cache.tokenExpiryMarginSec, nowSec);
  writeStdout(formatExecCredential(execInfo.apiVersion, token.token, expiresAt));
};

/**
 * What get-token starts from after a miss: the store it looked in (absent with --force-refresh, which never looks),
 * or why the keychain could not be asked (locked, not answering), so that it is not asked again for another 2 s.
 */
export interface Miss {
  options: GetTokenOptions;
  /** This run's arguments and environment, for the hit file a refresh or login writes. */
  run: Invocation;
  store?: SessionStore;
  locked?: PluginError;
}

/** What serving from the cache needs from the world: a clock, the terminal, the store, stdout and the hit file. */
export interface CacheAdapters extends Ambient {
  openStore(): Promise<SessionStore>;
  print(token: CredentialToken, nowSec: number): void;
  /** Writes the session's hit file again (best effort). */
  restoreHit(store: SessionStore, key: string, token: CredentialToken): Promise<void>;
}

/**
 * Prints a fresh cached token, if there is one: no lock, no network. Otherwise answers the miss. A session that has no
 * hit file gets one for this run, so that the next run skips the store (and the keychain) again.
 */
export const serveFromCache = async (options: GetTokenOptions, run: Invocation, a: CacheAdapters): Promise<'served' | Miss> => {
  if (options.forceRefresh) return { options, run };
  let store: SessionStore;
  try {
    store = await a.openStore();
  } catch (err) {
    if (err instanceof PluginError && err.code === 'keychain_locked') return { options, run, locked: err };
    throw err;
  }
  const now = a.clock.now() / 1000;
  const key = sessionKey(options);
  const hit = freshToken(await store.load(key), options, now);
  if (!hit) return { options, run, store };
  a.log.debug(`using the cached token (${store.name} storage)`);
  a.print(hit, now);
  await a.restoreHit(store, key, hit).catch((err: unknown) => a.log.debug(`no hit file: ${String(err)}`));
  return 'served';
};

/** The store, stdout and hit file, with the entry's clock and logger. */
export const cacheAdapters = (options: GetTokenOptions, execInfo: ExecInfo, run: Invocation, ambient: Ambient): CacheAdapters => ({
  ...ambient,
  openStore: () => openStore(options.cache, ambient),
  print: (token, nowSec) => printCredential(options, execInfo, token, nowSec),
  restoreHit: (store, key, token) => restoreHit(options, store, key, token, run, ambient.log),
});
