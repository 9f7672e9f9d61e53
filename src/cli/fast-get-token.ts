import { cacheAdapters, type GetTokenRun, serveFromCache } from '../commands/get-token/cache-hit.js';
import { parseExecInfo } from '../hit/exec-credential.js';
import { fastParseGetToken } from '../options/parse.js';
import { ambientOf, runLogger } from './ambient.js';
import { startEnvironment } from './environment.js';

/**
 * Serves kubectl from the cache without loading commander or any network code. Answers 'served', or what a refresh or
 * login starts from, or undefined when the full command line must read the flags (and say what is wrong with them).
 */
export const fastGetToken = async (args: string[]): Promise<'served' | GetTokenRun | undefined> => {
  const options = fastParseGetToken(args, process.env);
  if (!options) return undefined;
  try {
    const run = { args: ['get-token', ...args], env: startEnvironment };
    return await serveFromCache(
      options,
      run,
      cacheAdapters(options, parseExecInfo(process.env.KUBERNETES_EXEC_INFO), run, ambientOf(runLogger(options.verbose, options.noColor))),
    );
  } catch {
    return undefined;
  }
};
