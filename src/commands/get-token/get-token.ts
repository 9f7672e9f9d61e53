import type { Ambient } from '../../ambient.js';
import type { ExecInfo } from '../../hit/exec-credential.js';
import type { CredentialToken } from '../../session/expiry.js';
import { sessionAdapters } from '../../sessions/adapters.js';
import { obtain } from '../../sessions/obtain.js';
import { type Miss, printCredential } from './cache-hit.js';

/** get-token after the fast path's miss: the session's credential, from the session service, on stdout. */
export const getToken = async (miss: Miss, execInfo: ExecInfo, ambient: Ambient): Promise<void> => {
  const { options } = miss;
  const adapters = await sessionAdapters(
    options,
    {
      interactive: execInfo.interactive ?? (Boolean(process.stdin.isTTY) && Boolean(process.stderr.isTTY)),
      // kubectl says it ran us (KUBERNETES_EXEC_INFO): our parent is that kubectl command; a shell's is not.
      ...(execInfo.interactive === undefined ? {} : { parent: process.ppid }),
      run: miss.run,
      ...(miss.store ? { store: miss.store, missed: true } : {}),
      ...(miss.locked ? { locked: miss.locked } : {}),
    },
    ambient,
  );
  const token = await unexpired(
    async (again) => (await obtain(options, again ? { ...adapters, missed: false } : adapters)).token,
    () => ambient.clock.now() / 1000,
  );
  printCredential(options, execInfo, token, ambient.clock.now() / 1000);
};

/**
 * The session service's token, unless it expired before it could be printed (fresh when the service took it, on a
 * machine so busy that a waiter woke late): kubectl would send it until a 401. Then the service is asked once more,
 * and refreshes it.
 */
export const unexpired = async (get: (again: boolean) => Promise<CredentialToken>, nowSec: () => number): Promise<CredentialToken> => {
  const token = await get(false);
  return token.expiresAt !== undefined && token.expiresAt <= nowSec() ? get(true) : token;
};
