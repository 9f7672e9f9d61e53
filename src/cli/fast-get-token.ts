import { serveFromCache } from '../credential/cache-hit.js';
import { parseExecInfo } from '../credential/exec-credential.js';
import type { GetTokenOptions } from '../options/types.js';
import { openStore } from '../session/open-store.js';
import type { SessionStore } from '../session/tokens.js';
import { fastParseGetToken } from '../options/parse.js';

/** What get-token must do after the fast path found no fresh token: the flags it read, and the store it opened. */
export interface Miss {
  options: GetTokenOptions;
  /** Absent with --force-refresh, which never looks. */
  store?: SessionStore;
}

/**
 * Serves kubectl from the cache without loading commander or any network code. Answers 'served', or what a refresh or
 * login starts from, or undefined when the full command line must read the flags (and say what is wrong with them).
 */
export const fastGetToken = async (args: string[]): Promise<'served' | Miss | undefined> => {
  const options = fastParseGetToken(args, process.env);
  if (!options) return undefined;
  if (options.forceRefresh) return { options };
  try {
    const store = await openStore(options.cache);
    return (await serveFromCache(options, parseExecInfo(process.env.KUBERNETES_EXEC_INFO), store)) ? 'served' : { options, store };
  } catch {
    return undefined;
  }
};
