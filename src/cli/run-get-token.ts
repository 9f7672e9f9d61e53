import { reportFailure } from '../errors.js';
import type { GetTokenOptions } from '../options.js';

/**
 * get-token with flags the fast path has already read (no cache hit, or --force-refresh): refresh or log in without
 * loading commander. Its own entry point in the CLI bundle, sharing the chunks of the full command line.
 */
export const runGetToken = async (options: GetTokenOptions): Promise<void> => {
  try {
    const [{ getToken }, { parseExecInfo }] = await Promise.all([
      import('../credential/get-token.js'),
      import('../credential/exec-credential.js'),
    ]);
    await getToken(options, parseExecInfo(process.env.KUBERNETES_EXEC_INFO));
  } catch (err) {
    reportFailure(err, false);
  }
};
