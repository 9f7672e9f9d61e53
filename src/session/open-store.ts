import { promises as fs, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Ambient } from '../ambient.js';
import { PluginError } from '../errors.js';
import type { CacheOptions } from '../options/types.js';
import { fileStore, listSessions, noStore, writeFileAtomic } from './file-store.js';
import type { SessionStore } from './tokens.js';

/** After the keychain failed, do not ask it again (and pay for it on every kubectl run) for this long. */
const RETRY_KEYCHAIN_MS = 10 * 60 * 1000;
const MARKER = '.keychain-unavailable';

interface Marker {
  reason: string;
  at: number;
}

/** Synchronous, like the session file read: every keyring cache hit asks, and fs.promises would cost it ~3 ms. */
const readMarker = (dir: string): Marker | undefined => {
  try {
    return JSON.parse(readFileSync(join(dir, MARKER), 'utf8')) as Marker;
  } catch {
    return undefined;
  }
};

/**
 * Says once (not on every kubectl run) that tokens go to plain files, and remembers it for a while: when the first
 * session is kept in one, so that a run that ends in an error (an unreachable IdP, a read-only cache) says only that.
 */
const fallBack = (dir: string, reason: string, marker: Marker | undefined, ambient: Ambient): SessionStore => {
  const { clock, log } = ambient;
  const store = fileStore(dir, undefined, ambient);
  if (marker) {
    log.debug(`the OS keychain is not available (${reason}); using 0600 files`);
    return store;
  }
  let said = false;
  return {
    ...store,
    save: async (key, tokens, info) => {
      await store.save(key, tokens, info);
      if (said) return;
      said = true;
      log.info(
        `the OS keychain is not available (${reason}); keeping tokens in 0600 files in ${dir} ` +
          `(said once; --token-cache-storage=disk makes it the choice)`,
      );
      await writeFileAtomic(join(dir, MARKER), JSON.stringify({ reason, at: clock.now() })).catch(() => undefined);
    },
  };
};

/** Sessions sealed with the keychain's key are there: a keychain that cannot be reached must not turn them plain. */
const hasSealedSessions = async (dir: string): Promise<boolean> =>
  (await listSessions(dir)).some((session) => session.storage === 'keyring');

/** A keychain that is there but will not give its key now: the sealed sessions stay as they are. */
const keychainLocked = (reason: string, dir: string): PluginError =>
  new PluginError(
    'keychain_locked',
    `${reason}; the sealed sessions in ${dir} are left as they are`,
    'unlock the keyring (a desktop session does at login; without one, gnome-keyring-daemon --unlock reads the password ' +
      'on stdin), or run kubectl from a terminal to log in without caching',
  );

/**
 * The session store for the chosen storage. `keyring` seals tokens with a key from the OS keychain. Where there is no
 * keychain at all it falls back to plain 0600 files, with a one-time notice (and not again for a while) — unless sealed
 * sessions are there: then, as when the keychain is locked or does not answer, it rejects with a 'keychain_locked'
 * PluginError and nothing is read, written or downgraded.
 */
export const openStore = async (cache: CacheOptions, ambient: Ambient): Promise<SessionStore> => {
  const dir = cache.tokenCacheDir;
  if (cache.tokenCacheStorage === 'none') return noStore();
  if (cache.tokenCacheStorage === 'disk') return fileStore(dir, undefined, ambient);

  const marker = readMarker(dir);
  const since = marker && ambient.clock.now() - marker.at;
  if (marker && since !== undefined && since < RETRY_KEYCHAIN_MS) {
    ambient.log.debug(`the OS keychain was unavailable ${Math.round(since / 1000)} s ago (${marker.reason}); using 0600 files`);
    return fileStore(dir, undefined, ambient);
  }
  // Imported here: a disk cache hit loads neither child_process nor node:crypto (~9 ms together).
  const { openKeyringStore } = await import('./keyring-store.js');
  try {
    const store = await openKeyringStore(dir, ambient);
    if (marker) await fs.unlink(join(dir, MARKER)).catch(() => undefined);
    return store;
  } catch (err) {
    if (err instanceof PluginError && err.code === 'keychain_locked') throw keychainLocked(err.message, dir);
    if (!(err instanceof PluginError && err.code === 'keychain_unavailable')) throw err;
    if (await hasSealedSessions(dir)) throw keychainLocked(`the OS keychain is not reachable (${err.message})`, dir);
    return fallBack(dir, err.message, marker, ambient);
  }
};
