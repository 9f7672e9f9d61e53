import { join } from 'node:path';
import type { JSONWebKeySet } from 'jose';
import { interruption } from '../interrupt.js';
import { info } from '../log.js';
import type { GetTokenOptions } from '../options/types.js';
import { clearCooldown, readCooldown, startCooldown } from '../session/cooldown.js';
import { readDiscovery, writeDiscovery } from '../session/discovery-cache.js';
import { acquireLock } from '../session/lock.js';
import { openStore } from '../session/open-store.js';
import type { SessionStore } from '../session/tokens.js';
import { printCredential } from './cache-hit.js';
import type { ExecInfo } from './exec-credential.js';
import { type GetTokenAdapters, type Idp, runGetToken } from './get-token.js';

/** The IdP as the options describe it: discovery (from the cache when it is fresh), then refresh or the chosen login. */
const connect = async (options: GetTokenOptions, persistent: boolean, interactive: boolean): Promise<Idp> => {
  const { discover } = await import('../oidc/provider.js');
  const dir = options.cache.tokenCacheDir;
  const issuer = options.provider.issuerUrl;
  const { clientId } = options.provider;
  const record = persistent ? await readDiscovery(dir, issuer, Date.now()) : { clientAuth: {} as Record<string, string> };
  const remembered = record.clientAuth[clientId];
  const { provider, fetched } = await discover(options.provider, {
    metadata: record.metadata,
    clientAuth: remembered,
    jwks: record.jwks as JSONWebKeySet | undefined,
  });
  if (fetched && persistent) await writeDiscovery(dir, issuer, fetched);
  /**
   * What this run learned is kept with the issuer: the client authentication that worked (so that the next run does
   * not try one that fails) and the keys fetched for a key the cached ones lacked.
   */
  const remember = async (): Promise<void> => {
    if (!persistent) return;
    const method = provider.authenticator.method();
    if (method?.startsWith('client_secret') && method !== remembered) await writeDiscovery(dir, issuer, { clientId, clientAuth: method });
    if (provider.jwks && provider.jwks !== record.jwks) await writeDiscovery(dir, issuer, { jwks: provider.jwks as { keys: unknown[] } });
  };
  const remembering = async <T>(work: Promise<T>): Promise<T> => {
    try {
      return await work;
    } finally {
      await remember();
    }
  };
  return {
    refresh: async (tokens) => {
      const { refresh, RefreshAnswerRejected } = await import('../oidc/tokens.js');
      try {
        return { tokens: await remembering(refresh(provider, tokens, !options.useAccessToken)) };
      } catch (err) {
        if (err instanceof RefreshAnswerRejected) return { tokens: err.keep, problem: err.message };
        throw err;
      }
    },
    login: async () => remembering((await import('../login/login.js')).login(provider, options, interactive)),
  };
};

/** The real clock, terminal, session cache, lock, IdP and stdout; `missedIn` is the store the fast path looked in. */
const realAdapters = async (options: GetTokenOptions, execInfo: ExecInfo, missedIn?: SessionStore): Promise<GetTokenAdapters> => {
  const store = missedIn ?? (await openStore(options.cache));
  const dir = options.cache.tokenCacheDir;
  const interactive = execInfo.interactive ?? (Boolean(process.stdin.isTTY) && Boolean(process.stderr.isTTY));
  return {
    now: Date.now,
    interactive,
    store,
    missed: missedIn !== undefined,
    lock: (key) =>
      acquireLock(join(dir, `${key}.lock`), {
        timeoutMs: (options.login.authenticationTimeoutSec + 60) * 1000,
        signal: interruption(),
        onWait: () => info('another kubectl-oidc process is logging in or refreshing this session; waiting for it'),
      }),
    cooldown: {
      read: (key) => readCooldown(dir, key, Date.now()),
      start: (key, seconds, reason) => startCooldown(dir, key, seconds, reason),
      clear: (key) => clearCooldown(dir, key),
    },
    idp: () => connect(options, store.persistent, interactive),
    print: (token) => printCredential(options, execInfo, token, Date.now() / 1000),
    say: info,
  };
};

/** get-token with the real adapters. */
export const getToken = async (options: GetTokenOptions, execInfo: ExecInfo, missedIn?: SessionStore): Promise<void> =>
  runGetToken(options, await realAdapters(options, execInfo, missedIn));
