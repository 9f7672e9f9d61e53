import type { CacheOptions } from '../options.js';
import { diskStore, noStore } from './disk-store.js';
import type { SessionStore } from './tokens.js';

/** keyring storage arrives with the keychain backend; until then it is served from disk. */
export const openStore = (cache: CacheOptions): SessionStore =>
  cache.tokenCacheStorage === 'none' ? noStore() : diskStore(cache.tokenCacheDir);
