import type { Ambient } from '../../ambient.js';
import { PluginError } from '../../errors.js';
import { type ExecInfo, formatExecCredential } from '../../hit/exec-credential.js';
import { type Invocation, restoreHit } from '../../hit/publish-hit.js';
import { writeStdout } from '../../hit/stdout.js';
import type { GetTokenOptions } from '../../options/types.js';
import { type CredentialToken, freshToken, marginFor } from '../../session/expiry.js';
import { sessionKey } from '../../session/key.js';
import { openStore } from '../../session/open-store.js';
import { openOnce, readOnce } from '../../session/read-once.js';
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
 * A get-token run the cache could not answer: its options, its arguments and environment (for the hit file a refresh
 * or login writes), and its store as the cache-hit path left it — opened once (a locked keychain is not asked again
 * for another 2 s) and the session's read made once (session/read-once.ts).
 */
export interface GetTokenRun {
  options: GetTokenOptions;
  run: Invocation;
  store: () => Promise<SessionStore>;
}

/** What serving from the cache needs from the world: a clock, the terminal, the store, stdout and the hit file. */
export interface CacheAdapters extends Ambient {
  /** The store, opened once whoever asks (openOnce). */
  openStore(): Promise<SessionStore>;
  print(token: CredentialToken, nowSec: number): void;
  /** Writes the session's hit file again (best effort). */
  restoreHit(store: SessionStore, key: string, token: CredentialToken): Promise<void>;
}

/**
 * Prints a fresh cached token, if there is one: no lock, no network. Otherwise answers the miss. A session that has no
 * hit file gets one for this run, so that the next run skips the store (and the keychain) again.
 */
export const serveFromCache = async (options: GetTokenOptions, run: Invocation, a: CacheAdapters): Promise<'served' | GetTokenRun> => {
  // --force-refresh never looks; a keychain that is locked or not answering is the session service's to handle.
  const store = options.forceRefresh ? undefined : await a.openStore().catch((err: unknown) => lockedKeychain(err));
  if (!store) return { options, run, store: a.openStore };
  const now = a.clock.now() / 1000;
  const key = sessionKey(options);
  const tokens = await store.load(key);
  const hit = freshToken(tokens, options, now);
  if (!hit) {
    const handed = readOnce(store, key, tokens);
    return { options, run, store: async () => handed };
  }
  a.log.debug(`using the cached token (${store.name} storage)`);
  a.print(hit, now);
  await a.restoreHit(store, key, hit).catch((err: unknown) => a.log.debug(`no hit file: ${String(err)}`));
  return 'served';
};

/** Undefined for a keychain that is locked or not answering (the rejection stays with the opener); anything else throws. */
const lockedKeychain = (err: unknown): undefined => {
  if (err instanceof PluginError && err.code === 'keychain_locked') return undefined;
  throw err;
};

/** The store, stdout and hit file, with the entry's clock and logger. */
export const cacheAdapters = (options: GetTokenOptions, execInfo: ExecInfo, run: Invocation, ambient: Ambient): CacheAdapters => ({
  ...ambient,
  openStore: openOnce(() => openStore(options.cache, ambient)),
  print: (token, nowSec) => printCredential(options, execInfo, token, nowSec),
  restoreHit: (store, key, token) => restoreHit(options, store, key, token, run, ambient.log),
});
