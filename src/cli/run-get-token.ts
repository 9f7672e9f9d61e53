import type { Miss } from '../credential/cache-hit.js';
import { reportFailure } from './report.js';

/**
 * get-token after the fast path's miss (or --force-refresh), with the flags it read and the store it opened: refresh or
 * log in without loading commander or asking the keychain again. An entry point of its own (dist/get-token.js), sharing
 * the chunks of the full command line and the hit file's modules.
 */
export const runGetToken = async ({ options, store }: Miss): Promise<void> => {
  try {
    const [{ getToken }, { parseExecInfo }] = await Promise.all([
      import('../credential/adapters.js'),
      import('../credential/exec-credential.js'),
    ]);
    await getToken(options, parseExecInfo(process.env.KUBERNETES_EXEC_INFO), store);
  } catch (err) {
    reportFailure(err, false);
  }
};
