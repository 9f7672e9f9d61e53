import type { Ambient } from '../../ambient.js';
import { PluginError } from '../../errors.js';
import type { GetTokenOptions } from '../../options/types.js';
import { listSessions, sweepLeftovers } from '../../session/file-store.js';
import { sessionKey } from '../../session/key.js';
import { openStore } from '../../session/open-store.js';
import type { SessionInfo, SessionStore, StoredSession } from '../../session/tokens.js';

interface Target {
  key: string;
  issuer: string;
  clientId: string;
  label: string;
  /** The session as the cache lists it: how its IdP was reached, what tells it apart. */
  info?: SessionInfo;
}

export interface LogoutResult {
  report: string;
  /** Sessions kept because their IdP could not be reached to revoke them. */
  kept: number;
}

/** The logout that finds this session again, for one that could not be revoked now. */
const retryCommand = (target: Target, tls: boolean): string =>
  [
    'kubectl-oidc logout',
    `--oidc-issuer-url=${target.issuer}`,
    `--oidc-client-id=${target.clientId}`,
    ...(target.info?.audience ? [`--oidc-audience=${target.info.audience}`] : []),
    ...(target.info?.account ? [`--account=${target.info.account}`] : []),
    ...(tls ? ["--certificate-authority=<the IdP's CA file>"] : []),
  ].join(' ');

const labelOf = (info: Pick<SessionInfo, 'issuer' | 'clientId'> & Partial<SessionInfo>): string =>
  `${info.email ?? info.subject ?? 'session'}${info.account ? ` (account ${info.account})` : ''} ` +
  `at ${info.issuer}, client ${info.clientId}${info.audience ? ` for audience ${info.audience}` : ''}`;

/**
 * Revokes at the IdP (when it can), then removes the session under its lock — through the session service — and says so.
 * A session whose IdP could not be reached is kept, with the logout that would revoke it.
 */
const logOutOne = async (
  store: SessionStore,
  options: GetTokenOptions,
  target: Target,
  revoke: boolean,
  ambient: Ambient,
): Promise<{ line: string; kept: boolean }> => {
  const [{ sessionAdapters }, { forget }] = await Promise.all([import('../../sessions/adapters.js'), import('../../sessions/forget.js')]);
  // The TLS settings of this command and those the session was made with; the client secret only for its own client.
  const provider = {
    ...options.provider,
    issuerUrl: target.issuer,
    clientId: target.clientId,
    clientSecret: target.clientId === options.provider.clientId ? options.provider.clientSecret : undefined,
    certificateAuthorityData: [...options.provider.certificateAuthorityData, ...(target.info?.caData ?? [])],
    insecureSkipTlsVerify: options.provider.insecureSkipTlsVerify || target.info?.insecureSkipTlsVerify === true,
  };
  const session = await sessionAdapters(
    { ...options, provider },
    { interactive: false, store: async () => store, run: { args: [], env: process.env }, lockTimeoutMs: 10_000 },
    ambient,
  );
  const { removed, revocation, unreached } = await forget(target.key, session, revoke);
  if (unreached) {
    return {
      line:
        `kept ${target.label} (${store.name} storage): ${revocation.replace('could not revoke the refresh token', 'could not revoke its refresh token')}; ` +
        `once the IdP can be reached: ${retryCommand(target, unreached.code === 'tls')} (or add --skip-revoke to remove it unrevoked)`,
      kept: true,
    };
  }
  return { line: `${removed ? 'removed' : 'found no'} ${target.label} (${store.name} storage); ${revocation}`, kept: false };
};

/**
 * The session a person means by what they remember of it — the issuer and the client, and the audience, account or
 * username where they give one — when the flags do not make its exact key (other scopes, CA flags, grant…). Several
 * that fit are listed with what tells them apart.
 */
const rememberedSession = (sessions: StoredSession[], options: GetTokenOptions): StoredSession | undefined => {
  const { issuerUrl, clientId, audience } = options.provider;
  const username = options.login.username;
  const fits = sessions.filter(
    ({ info }) =>
      info.issuer === issuerUrl &&
      info.clientId === clientId &&
      (audience === undefined || info.audience === audience) &&
      (options.account === undefined || info.account === options.account) &&
      (username === undefined || info.subject === username || info.email === username),
  );
  if (fits.length <= 1) return fits[0];
  throw new PluginError(
    'usage',
    `${fits.length} sessions at ${issuerUrl} for client ${clientId}: ${fits.map(({ info }) => labelOf(info)).join('; ')}`,
    'pick one with --oidc-audience, --account or --username, or remove them all with logout --all',
  );
};

/** Logs out of one session or all of them; answers the report, a line per session, and how many were kept. */
export const logout = async (options: GetTokenOptions, all: boolean, revoke: boolean, ambient: Ambient): Promise<LogoutResult> => {
  const store = await openStore(options.cache, ambient);
  const dir = options.cache.tokenCacheDir;
  let targets: Target[];
  if (all) {
    targets = (await listSessions(dir)).map(({ key, info }) => ({
      key,
      issuer: info.issuer,
      clientId: info.clientId,
      label: labelOf(info),
      info,
    }));
  } else {
    const sessions = await listSessions(dir);
    const key = sessionKey(options);
    const remembered = sessions.find((session) => session.key === key) ?? rememberedSession(sessions, options);
    targets = [
      {
        key: remembered?.key ?? key,
        ...(remembered ? { info: remembered.info } : {}),
        issuer: options.provider.issuerUrl,
        clientId: options.provider.clientId,
        label: labelOf(
          remembered?.info ?? {
            issuer: options.provider.issuerUrl,
            clientId: options.provider.clientId,
            ...(options.account ? { account: options.account } : {}),
          },
        ),
      },
    ];
  }
  let report = '';
  let kept = 0;
  for (const target of targets) {
    const one = await logOutOne(store, options, target, revoke, ambient);
    report += `${one.line}\n`;
    if (one.kept) kept += 1;
  }
  // What killed runs left of sessions that are gone (temp files hold tokens): nothing of them stays.
  if (all) await sweepLeftovers(dir);
  return { report: targets.length === 0 ? `no sessions in ${dir}\n` : report, kept };
};
