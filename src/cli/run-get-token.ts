import type { GetTokenRun } from '../commands/get-token/cache-hit.js';
import { parseExecInfo } from '../hit/exec-credential.js';
import { ambientOf, currentLogger, runLogger } from './ambient.js';
import { reportFailure } from './report.js';

/**
 * The dist/get-token.js entry: get-token after the fast path's miss (or --force-refresh), without loading commander or
 * asking the keychain again; it reports its own failure, as no command line interface is there to do it.
 */
export const runGetToken = async (getTokenRun: GetTokenRun): Promise<void> => {
  try {
    const { getToken } = await import('../commands/get-token/get-token.js');
    const ambient = ambientOf(runLogger(getTokenRun.options.verbose, getTokenRun.options.noColor));
    await getToken(getTokenRun, parseExecInfo(process.env.KUBERNETES_EXEC_INFO), ambient);
  } catch (err) {
    reportFailure(err, currentLogger());
  }
};
