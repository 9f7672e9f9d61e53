import type { GetTokenRun } from '../commands/get-token/cache-hit.js';
import { parseExecInfo } from '../hit/exec-credential.js';
import type { Logger } from '../log.js';
import { ambientOf, currentLogger, runLogger } from './ambient.js';
import { reportFailure } from './report.js';

/** get-token with the real adapters, from options already read (and the store the fast path looked in, if any). */
export const getTokenWith = async (
  getTokenRun: GetTokenRun,
  log: Logger = runLogger(getTokenRun.options.verbose, getTokenRun.options.noColor),
): Promise<void> => {
  const { getToken } = await import('../commands/get-token/get-token.js');
  await getToken(getTokenRun, parseExecInfo(process.env.KUBERNETES_EXEC_INFO), ambientOf(log));
};

/**
 * The dist/get-token.js entry: get-token after the fast path's miss (or --force-refresh), without loading commander or
 * asking the keychain again; it reports its own failure, as no command line interface is there to do it.
 */
export const runGetToken = (getTokenRun: GetTokenRun): Promise<void> =>
  getTokenWith(getTokenRun).catch((err: unknown) => reportFailure(err, currentLogger()));
