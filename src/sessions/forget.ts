import { PluginError } from '../errors.js';
import type { SessionAdapters } from './obtain.js';

export interface Forgotten {
  removed: boolean;
  /** What became of the refresh token, for the report. */
  revocation: string;
}

/**
 * Logout through the session service: under the session's lock (a refresh or login in progress finishes first), the
 * newest refresh token — a killed run may have left it in a temp file — revoked at the IdP when it can be, then the
 * session, its hit files and its cool-down removed.
 */
export const forget = async (key: string, a: SessionAdapters): Promise<Forgotten> => {
  const lock = a.store.persistent ? await a.lock(key) : undefined;
  try {
    await a.store.recover?.(key).catch(() => undefined);
    const tokens = await a.store.load(key);
    let revocation = 'no refresh token to revoke';
    if (tokens?.refreshToken) {
      try {
        revocation = (await (await a.idp()).revoke({ ...tokens, refreshToken: tokens.refreshToken }))
          ? 'revoked the refresh token at the IdP'
          : 'the IdP offers no revocation endpoint, so the refresh token stays valid until it expires';
      } catch (err) {
        if (err instanceof PluginError && err.code === 'interrupted') throw err;
        revocation = `could not revoke the refresh token (${err instanceof PluginError ? err.message : String(err)})`;
      }
    } else if (!tokens) {
      revocation = 'its tokens were unreadable, so nothing was revoked';
    }
    const removed = await a.store.remove(key);
    await a.unpublish(key);
    await a.cooldown.clear(key);
    return { removed, revocation };
  } finally {
    await lock?.release();
  }
};
