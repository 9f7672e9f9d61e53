import { join } from 'node:path';
import type { JSONWebKeySet } from 'jose';
import type { Ambient } from '../ambient.js';
import { PluginError } from '../errors.js';
import type { ExecInfo } from '../hit/exec-credential.js';
import { publishHit } from '../hit/publish-hit.js';
import { interruption } from '../interrupt.js';
import type { GetTokenOptions } from '../options/types.js';
import { clearCooldown, readCooldown, startCooldown } from '../session/cooldown.js';
import { type ClientFacts, type IssuerRecord, readDiscovery, writeDiscovery } from '../session/discovery-cache.js';
import { acquireLock } from '../session/lock.js';
import { openStore } from '../session/open-store.js';
import type { SessionStore } from '../session/tokens.js';
import { type Miss, printCredential } from './cache-hit.js';
import { type GetTokenAdapters, type Idp, runGetToken } from './get-token.js';

/** The IdP as the options describe it: discovery (from the cache when it is fresh), then refresh or the chosen login. */
const connect = async (options: GetTokenOptions, persistent: boolean, interactive: boolean, ambient: Ambient): Promise<Idp> => {
  const { discover } = await import('../oidc/provider.js');
  const dir = options.cache.tokenCacheDir;
  const issuer = options.provider.issuerUrl;
  const { clientId } = options.provider;
  const record: IssuerRecord = persistent ? await readDiscovery(dir, issuer, ambient.clock.now()) : { clients: {} };
  const known = record.clients[clientId] ?? {};
  const { provider, fetched } = await discover(
    options.provider,
    {
      metadata: record.metadata,
      clientAuth: known.clientAuth,
      jwks: record.jwks as JSONWebKeySet | undefined,
    },
    ambient,
  );
  if (fetched && persistent) await writeDiscovery(dir, issuer, fetched, ambient);
  /**
   * What this run learned is kept with the issuer: the client authentication that worked (so that the next run does
   * not try one that fails), whether refreshes bring ID tokens, and the keys fetched for a key the cached ones lacked.
   */
  const learned: ClientFacts = {};
  const remember = async (): Promise<void> => {
    if (!persistent) return;
    const method = provider.authenticator.method();
    if (method?.startsWith('client_secret') && method !== known.clientAuth) learned.clientAuth = method;
    const changed = Object.entries(learned).some(([name, value]) => known[name as keyof ClientFacts] !== value);
    if (changed) await writeDiscovery(dir, issuer, { clientId, learned }, ambient);
    if (provider.jwks && provider.jwks !== record.jwks)
      await writeDiscovery(dir, issuer, { jwks: provider.jwks as { keys: unknown[] } }, ambient);
  };
  const remembering = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } finally {
      await remember();
    }
  };
  return {
    refresh: (tokens, keep) =>
      remembering(async () => {
        const { refresh } = await import('../oidc/refresh.js');
        const wantIdToken = !options.useAccessToken;
        const refreshed = await refresh(provider, tokens, wantIdToken, (refreshToken) => keep({ refreshToken }));
        if (wantIdToken) learned.idTokenOnRefresh = Boolean(refreshed.idToken);
        return { tokens: refreshed, ...(known.idTokenOnRefresh === false ? { knownWithoutIdToken: true } : {}) };
      }),
    login: () => remembering(async () => (await import('../login/login.js')).login(provider, options, interactive)),
    forAudience: async (subject, audience) => {
      const { exchangeForAudience } = await import('../oidc/token-exchange.js');
      return remembering(() =>
        exchangeForAudience(provider, subject.token, audience, options.useAccessToken, options.provider.extraScopes),
      );
    },
  };
};

/**
 * A locked keychain, for a person at a terminal: they may log in, and the token is not cached (the sealed sessions are
 * left as they are). Anyone else is told, and stops.
 */
const lockedKeychain = (locked: PluginError, interactive: boolean, ambient: Ambient): SessionStore => {
  if (!interactive) throw locked;
  ambient.log.info(`${locked.message}; logging in, without caching this token`);
  return { name: 'keyring', persistent: false, load: async () => undefined, save: async () => undefined, remove: async () => false };
};

/** The session cache, lock, IdP and stdout, from what the fast path found (or did not look for), with the entry's clock and logger. */
const realAdapters = async (miss: Miss, execInfo: ExecInfo, ambient: Ambient): Promise<GetTokenAdapters> => {
  const { options } = miss;
  const { clock, log } = ambient;
  const interactive = execInfo.interactive ?? (Boolean(process.stdin.isTTY) && Boolean(process.stderr.isTTY));
  let store: SessionStore;
  try {
    if (miss.locked) throw miss.locked;
    store = miss.store ?? (await openStore(options.cache, ambient));
  } catch (err) {
    if (!(err instanceof PluginError && err.code === 'keychain_locked')) throw err;
    store = lockedKeychain(err, interactive, ambient);
  }
  const dir = options.cache.tokenCacheDir;
  let idp: Promise<Idp> | undefined;
  return {
    clock,
    log,
    startedAt: performance.timeOrigin,
    interactive,
    // kubectl says it ran us (KUBERNETES_EXEC_INFO): our parent is that kubectl command; a shell's is not.
    ...(execInfo.interactive === undefined ? {} : { parent: process.ppid }),
    store,
    missed: miss.store !== undefined,
    lock: (key) =>
      acquireLock(join(dir, `${key}.lock`), {
        timeoutMs: (options.login.authenticationTimeoutSec + 60) * 1000,
        signal: interruption(log),
        clock,
        log,
        onWait: () => log.info('another kubectl-oidc process is logging in or refreshing this session; waiting for it'),
      }),
    cooldown: {
      read: (key) => readCooldown(dir, key, clock.now()),
      start: (key, seconds, reason) => startCooldown(dir, key, { seconds, reason, parent: process.ppid }, ambient),
      clear: (key) => clearCooldown(dir, key),
    },
    // One discovery for the run: an --oidc-audience session and the session it is exchanged from share the IdP.
    idp: () => (idp ??= connect(options, store.persistent, interactive, ambient)),
    print: (token) => printCredential(options, execInfo, token, clock.now() / 1000),
    published: (key, token) =>
      publishHit(options, store.name, key, token, miss.run, log).catch((err: unknown) => log.debug(`no hit file: ${String(err)}`)),
  };
};

/** get-token with the real adapters. */
export const getToken = async (miss: Miss, execInfo: ExecInfo, ambient: Ambient): Promise<void> =>
  runGetToken(miss.options, await realAdapters(miss, execInfo, ambient));
