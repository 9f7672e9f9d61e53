import { PluginError } from '../errors.js';
import type { SessionAdapters } from './obtain.js';

export interface Forgotten {
  removed: boolean;
  /** What became of the refresh token, for the report. */
  revocation: string;
  /** Kept, because its IdP could not be reached to revoke it: the error, whose hint says what may help. */
  unreached?: PluginError;
}

/** Failures that say nothing of the token: the IdP was not reached (network, TLS, a deadline, no HTTP at the URL). */
const UNREACHED = new Set(['issuer_unreachable', 'tls', 'issuer_invalid']);

/**
 * Logout through the session service: under the session's lock (a refresh or login in progress finishes first), the
 * newest refresh token — a killed run may have left it in a temp file — revoked at the IdP when it can be, then the
 * session, its hit files and its cool-down removed. An IdP that refuses the revocation does not keep the session; one
 * that could not be reached does (a later logout can revoke it), unless `revoke` is false (--skip-revoke).
 */
export const forget = async (key: string, a: SessionAdapters, revoke = true): Promise<Forgotten> => {
  const lock = a.store.persistent ? await a.lock(key) : undefined;
  try {
    await a.store.recover?.(key).catch(() => undefined);
    const tokens = await a.store.load(key);
    let revocation = 'no refresh token to revoke';
    if (tokens?.refreshToken && !revoke) {
      revocation = 'not revoked (--skip-revoke): the refresh token stays valid until it expires';
    } else if (tokens?.refreshToken) {
      try {
        revocation = (await (await a.idp()).revoke({ ...tokens, refreshToken: tokens.refreshToken }))
          ? 'revoked the refresh token at the IdP'
          : 'the IdP offers no revocation endpoint, so the refresh token stays valid until it expires';
      } catch (err) {
        if (err instanceof PluginError && err.code === 'interrupted') throw err;
        revocation = `could not revoke the refresh token (${err instanceof PluginError ? err.message : String(err)})`;
        if (err instanceof PluginError && UNREACHED.has(err.code)) return { removed: false, revocation, unreached: err };
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
