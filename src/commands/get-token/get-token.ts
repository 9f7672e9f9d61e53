import type { Ambient } from '../../ambient.js';
import type { ExecInfo } from '../../hit/exec-credential.js';
import type { CredentialToken } from '../../session/expiry.js';
import { sessionAdapters } from '../../sessions/adapters.js';
import { obtain } from '../../sessions/obtain.js';
import { type GetTokenRun, printCredential } from './cache-hit.js';

/** get-token after the fast path's miss: the session's credential, from the session service, on stdout. */
export const getToken = async ({ options, run, store }: GetTokenRun, execInfo: ExecInfo, ambient: Ambient): Promise<void> => {
  const adapters = await sessionAdapters(
    options,
    {
      interactive: execInfo.interactive ?? (Boolean(process.stdin.isTTY) && Boolean(process.stderr.isTTY)),
      // kubectl says it ran us (KUBERNETES_EXEC_INFO): our parent is that kubectl command; a shell's is not.
      ...(execInfo.interactive === undefined ? {} : { parent: process.ppid }),
      run,
      store,
    },
    ambient,
  );
  const token = await unexpired(
    async () => (await obtain(options, adapters)).token,
    () => ambient.clock.now() / 1000,
  );
  printCredential(options, execInfo, token, ambient.clock.now() / 1000);
};

/**
 * The session service's token, unless it expired before it could be printed (fresh when the service took it, on a
 * machine so busy that a waiter woke late): kubectl would send it until a 401. Then the service is asked once more,
 * and refreshes it.
 */
export const unexpired = async (get: () => Promise<CredentialToken>, nowSec: () => number): Promise<CredentialToken> => {
  const token = await get();
  return token.expiresAt !== undefined && token.expiresAt <= nowSec() ? get() : token;
};
