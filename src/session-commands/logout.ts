import { join } from 'node:path';
import type { Ambient } from '../ambient.js';
import { PluginError } from '../errors.js';
import { removeHitFiles } from '../hit/hit-file.js';
import { hitDir } from '../hit/signature.js';
import { interruption } from '../interrupt.js';
import type { GetTokenOptions } from '../options/types.js';
import { clearCooldown } from '../session/cooldown.js';
import { listSessions, sweepLeftovers } from '../session/file-store.js';
import { sessionKey } from '../session/key.js';
import { acquireLock } from '../session/lock.js';
import { openStore } from '../session/open-store.js';
import type { SessionInfo, SessionStore } from '../session/tokens.js';

interface Target {
  key: string;
  issuer: string;
  clientId: string;
  label: string;
}

const labelOf = (info: Pick<SessionInfo, 'issuer' | 'clientId'> & Partial<SessionInfo>): string =>
  `${info.email ?? info.subject ?? 'session'}${info.account ? ` (account ${info.account})` : ''} ` +
  `at ${info.issuer}, client ${info.clientId}${info.audience ? ` for audience ${info.audience}` : ''}`;

/** Revokes at the IdP (when it can), then removes the session under its lock, and says what happened. */
const logOutOne = async (store: SessionStore, options: GetTokenOptions, target: Target, ambient: Ambient): Promise<string> => {
  const dir = options.cache.tokenCacheDir;
  const lock = await acquireLock(join(dir, `${target.key}.lock`), { timeoutMs: 10_000, signal: interruption(ambient.log), ...ambient });
  try {
    // The refresh token to revoke may be the newest one, left in a temp file by a run that was killed.
    await store.recover?.(target.key).catch(() => undefined);
    const tokens = await store.load(target.key);
    let revocation = 'no refresh token to revoke';
    if (tokens?.refreshToken) {
      try {
        const { discover } = await import('../oidc/provider.js');
        const { revokeRefreshToken } = await import('../oidc/refresh.js');
        // The TLS settings of this command; the client secret only for the client it belongs to.
        const { provider: idp } = await discover(
          {
            ...options.provider,
            issuerUrl: target.issuer,
            clientId: target.clientId,
            clientSecret: target.clientId === options.provider.clientId ? options.provider.clientSecret : undefined,
          },
          {},
          ambient,
        );
        revocation = (await revokeRefreshToken(idp, { ...tokens, refreshToken: tokens.refreshToken }))
          ? 'revoked the refresh token at the IdP'
          : 'the IdP offers no revocation endpoint, so the refresh token stays valid until it expires';
      } catch (err) {
        if (err instanceof PluginError && err.code === 'interrupted') throw err;
        revocation = `could not revoke the refresh token (${err instanceof PluginError ? err.message : String(err)})`;
      }
    } else if (!tokens) {
      revocation = 'its tokens were unreadable, so nothing was revoked';
    }
    const removed = await store.remove(target.key);
    await removeHitFiles([dir, hitDir('keyring', dir, process.env)], target.key);
    await clearCooldown(dir, target.key);
    return `${removed ? 'removed' : 'found no'} ${target.label} (${store.name} storage); ${revocation}`;
  } finally {
    await lock.release();
  }
};

/** Logs out of one session or all of them; answers the report, a line per session. */
export const logout = async (options: GetTokenOptions, all: boolean, ambient: Ambient): Promise<string> => {
  const store = await openStore(options.cache, ambient);
  const dir = options.cache.tokenCacheDir;
  let targets: Target[];
  if (all) {
    targets = (await listSessions(dir)).map(({ key, info }) => ({
      key,
      issuer: info.issuer,
      clientId: info.clientId,
      label: labelOf(info),
    }));
  } else {
    const key = sessionKey(options);
    const info = (await listSessions(dir)).find((session) => session.key === key)?.info;
    targets = [
      {
        key,
        issuer: options.provider.issuerUrl,
        clientId: options.provider.clientId,
        label: labelOf(
          info ?? {
            issuer: options.provider.issuerUrl,
            clientId: options.provider.clientId,
            ...(options.account ? { account: options.account } : {}),
          },
        ),
      },
    ];
  }
  let report = '';
  for (const target of targets) report += `${await logOutOne(store, options, target, ambient)}\n`;
  // What killed runs left of sessions that are gone (temp files hold tokens): nothing of them stays.
  if (all) await sweepLeftovers(dir);
  return targets.length === 0 ? `no sessions in ${dir}\n` : report;
};
