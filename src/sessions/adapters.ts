import { join } from 'node:path';
import type { JSONWebKeySet } from 'jose';
import type { Ambient } from '../ambient.js';
import { PluginError } from '../errors.js';
import { removeHitFiles } from '../hit/hit-file.js';
import type { Invocation } from '../hit/publish-hit.js';
import { publishHit } from '../hit/publish-hit.js';
import { hitDirsToClear } from '../hit/signature.js';
import { interruption } from '../interrupt.js';
import { extraCertificateAuthorities } from '../oidc/fetch.js';
import type { IssuerMetadata } from '../oidc/provider.js';
import type { GetTokenOptions } from '../options/types.js';
import { clearCooldown, readCooldown, startCooldown } from '../session/cooldown.js';
import { type ClientFacts, type IssuerRecord, readDiscovery, writeDiscovery } from '../session/discovery-cache.js';
import { noStore } from '../session/file-store.js';
import { acquireLock } from '../session/lock.js';
import { openStore } from '../session/open-store.js';
import type { IdpReach, SessionStore } from '../session/tokens.js';
import type { Idp, SessionAdapters } from './obtain.js';

/** The IdP as the options describe it: discovery (from the cache when it is fresh), then refresh or the chosen login. */
const connect = async (
  options: GetTokenOptions,
  persistent: boolean,
  interactive: boolean,
  seen: IssuerSeen | undefined,
  ambient: Ambient,
): Promise<Idp> => {
  const { discover } = await import('../oidc/provider.js');
  const dir = options.cache.tokenCacheDir;
  const issuer = options.provider.issuerUrl;
  const { clientId } = options.provider;
  const record: IssuerRecord = persistent ? await readDiscovery(dir, issuer, ambient.clock.now()) : { clients: {} };
  const known = record.clients[clientId] ?? {};
  const { provider, fetched } = await discover(
    options.provider,
    {
      metadata: seen?.metadata ?? record.metadata,
      clientAuth: known.clientAuth,
      jwks: (seen?.jwks ?? record.jwks) as JSONWebKeySet | undefined,
    },
    ambient,
  );
  // Fetched now, by this run or by the caller a moment ago: kept for the next runs — never a document that names
  // another issuer (setup goes on with one to report it; get-token must refuse it).
  const fresh = fetched ?? (seen?.metadata.issuer === issuer ? seen : undefined);
  if (fresh && persistent) await writeDiscovery(dir, issuer, fresh, ambient);
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
    refresh: (tokens, keep, unkeepable) =>
      remembering(async () => {
        // A refresh token the IdP may rotate is spent by the refresh: with nowhere to keep its successor, the session
        // would be lost. Only an IdP seen not to rotate is asked.
        if (unkeepable && known.refreshRotates !== false) {
          throw new PluginError(
            'cache',
            `${unkeepable}: the session's refresh token is not spent on an answer that could not be kept`,
            'pass --token-cache-dir=<a writable directory> (or set KUBECACHEDIR), or make room where the cache is',
          );
        }
        const { refresh } = await import('../grants/refresh.js');
        const wantIdToken = !options.useAccessToken;
        const { tokens: refreshed, scopeRefused } = await refresh(provider, tokens, {
          wantIdToken,
          sendScope: known.refreshScope !== false,
          keepRotated: (refreshToken) => keep({ refreshToken }),
        });
        if (scopeRefused) learned.refreshScope = false;
        learned.refreshRotates = refreshed.refreshToken !== tokens.refreshToken;
        if (wantIdToken) learned.idTokenOnRefresh = Boolean(refreshed.idToken);
        return { tokens: refreshed, ...(known.idTokenOnRefresh === false ? { knownWithoutIdToken: true } : {}) };
      }),
    login: () => remembering(async () => (await import('../grants/login.js')).login(provider, options, interactive)),
    revoke: (tokens) => remembering(async () => (await import('../grants/refresh.js')).revokeRefreshToken(provider, tokens)),
    forAudience: async (subject, audience) => {
      const { exchangeForAudience } = await import('../grants/token-exchange.js');
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
  return { ...noStore(), name: 'keyring' };
};

/** What the caller has just fetched of the issuer (setup's inspection): not asked for again. */
export interface IssuerSeen {
  metadata: IssuerMetadata;
  /** How long the document may be reused, from its HTTP headers. */
  maxAgeSec: number;
  jwks?: { keys: unknown[] };
}

export interface SessionSettings {
  /** Whether a person at a terminal runs this (kubectl's exec info says, else the terminal). */
  interactive: boolean;
  /** A command a person ran to log in (setup, login): a cool-down never holds it back. */
  askedByPerson?: boolean;
  /** The kubectl command that ran this process, when one did. */
  parent?: number;
  /** The get-token run whose hit file a new credential is published for. */
  run: Invocation;
  /** The store as the caller opened it (once: a locked keychain is not asked twice) and read it (session/read-once.ts). */
  store?: () => Promise<SessionStore>;
  /** The discovery document and keys the caller fetched a moment ago. */
  seen?: IssuerSeen;
  /** How long to wait for the session's lock (default: as long as a login may take, and a minute). */
  lockTimeoutMs?: number;
}

/** The session cache, lock, cool-down, IdP and hit file of these options, with the entry's clock and logger. */
export const sessionAdapters = async (options: GetTokenOptions, settings: SessionSettings, ambient: Ambient): Promise<SessionAdapters> => {
  const { clock, log } = ambient;
  const { interactive } = settings;
  let store: SessionStore;
  try {
    store = await (settings.store ?? (() => openStore(options.cache, ambient)))();
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
    ...(settings.askedByPerson ? { askedByPerson: true } : {}),
    ...(settings.parent === undefined ? {} : { parent: settings.parent }),
    store,
    lock: (key) =>
      acquireLock(join(dir, `${key}.lock`), {
        timeoutMs: settings.lockTimeoutMs ?? (options.login.authenticationTimeoutSec + 60) * 1000,
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
    idp: () => (idp ??= connect(options, store.persistent, interactive, settings.seen, ambient)),
    published: (key, token) =>
      publishHit(options, store.name, key, token, settings.run, log).catch((err: unknown) => log.debug(`no hit file: ${String(err)}`)),
    unpublish: (key) => removeHitFiles(hitDirsToClear(dir, settings.run.env), key),
    reach: reachOf(options.provider),
  };
};

/** How these options reach the IdP, to keep with a session: what a CA flag names is read now (a bad one: nothing kept). */
const reachOf = (provider: GetTokenOptions['provider']): IdpReach => {
  let caData: string[] = [];
  try {
    caData = extraCertificateAuthorities(provider).map((pem) => Buffer.from(pem).toString('base64'));
  } catch {
    // the request to the IdP says what is wrong with it
  }
  return { ...(caData.length > 0 ? { caData } : {}), ...(provider.insecureSkipTlsVerify ? { insecureSkipTlsVerify: true } : {}) };
};
