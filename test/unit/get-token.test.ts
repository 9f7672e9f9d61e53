import { describe, expect, it } from 'vitest';
import { parseGetTokenArgs } from '../../src/cli/options.js';
import { unexpired } from '../../src/commands/get-token/get-token.js';
import { PluginError } from '../../src/errors.js';
import type { Cooldown } from '../../src/session/cooldown.js';
import type { CredentialToken } from '../../src/session/expiry.js';
import { exchangedFrom, sessionKey } from '../../src/session/key.js';
import type { SessionStore, TokenSet } from '../../src/session/tokens.js';
import { forget } from '../../src/sessions/forget.js';
import { adopt, type ObtainRequest, obtain, type SessionAdapters } from '../../src/sessions/obtain.js';
import { recordingLogger } from '../support/ambient.js';

// The get-token use case's decisions, with its clock, terminal and adapters in memory: milliseconds per case. The
// real store, lock, IdP, browser and kubectl are exercised end to end in test/e2e.

const NOW = 1_800_000_000_000;
/** The process that runs get-token in these tests (kubectl). */
const KUBECTL_PID = 4242;
const jwt = (claims: object): string => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;
const idToken = (expiresInSec: number, sub = 'alice'): string => jwt({ sub, exp: NOW / 1000 + expiresInSec });

/** The session service's adapters, and where get-token prints its credential. */
type GetTokenAdapters = SessionAdapters & { print(token: CredentialToken): void };

/** get-token as the command runs it: the session service's credential, printed. */
const runGetToken = async (options: Parameters<typeof obtain>[0], a: GetTokenAdapters, request?: ObtainRequest): Promise<void> =>
  a.print((await obtain(options, a, request)).token);

interface World {
  adapters: GetTokenAdapters;
  printed: CredentialToken[];
  said: string[];
  calls: string[];
  saved: Map<string, TokenSet>;
  cooldowns: Map<string, Cooldown>;
}

interface Setup {
  args?: string[];
  cached?: TokenSet;
  /** What another process saves while we wait for the lock. */
  savedByOther?: TokenSet;
  interactive?: boolean;
  persistent?: boolean;
  cooldown?: Cooldown;
  refresh?: () => Promise<TokenSet>;
  /** The IdP is already known to send no ID token on refresh. */
  knownWithoutIdToken?: boolean;
  login?: () => Promise<TokenSet>;
  saveFails?: boolean;
  lockFails?: boolean;
  /** With --oidc-audience: the session of the client itself, and what the IdP's exchange answers. */
  subjectCached?: TokenSet;
  exchange?: (subject: CredentialToken) => Promise<TokenSet>;
  revoke?: () => Promise<boolean>;
}

const world = (setup: Setup): World & { key: string; options: ReturnType<typeof parseGetTokenArgs> } => {
  const options = parseGetTokenArgs(['--oidc-issuer-url=https://idp.example', '--oidc-client-id=kubectl', ...(setup.args ?? [])]);
  const key = sessionKey(options);
  const saved = new Map<string, TokenSet>(setup.cached ? [[key, setup.cached]] : []);
  if (setup.subjectCached) saved.set(sessionKey(exchangedFrom(options)), setup.subjectCached);
  const cooldowns = new Map<string, Cooldown>(setup.cooldown ? [[key, setup.cooldown]] : []);
  const printed: CredentialToken[] = [];
  const said: string[] = [];
  const calls: string[] = [];
  const store: SessionStore = {
    name: 'disk',
    persistent: setup.persistent ?? true,
    load: async (k) => saved.get(k),
    save: async (k, tokens) => {
      calls.push('save');
      if (setup.saveFails) throw new PluginError('cache', 'cannot write the token cache in /ro: EROFS');
      saved.set(k, tokens);
    },
    remove: async (k) => saved.delete(k),
  };
  const adapters: GetTokenAdapters = {
    clock: { now: () => NOW },
    startedAt: NOW - 1000,
    interactive: setup.interactive ?? false,
    parent: KUBECTL_PID,
    store,
    lock: async (k) => {
      calls.push('lock');
      if (setup.lockFails) throw new PluginError('cache', 'cannot create the session lock /ro/x.lock: EROFS');
      if (setup.savedByOther) saved.set(k, setup.savedByOther);
      return { waited: setup.savedByOther !== undefined, release: async () => void calls.push('release') };
    },
    cooldown: {
      read: async (k) => cooldowns.get(k),
      start: async (k, seconds, reason) => void cooldowns.set(k, { until: NOW + seconds * 1000, reason, at: NOW, parent: KUBECTL_PID }),
      clear: async (k) => void cooldowns.delete(k),
    },
    idp: async () => {
      calls.push('discover');
      return {
        refresh: async (_tokens, _keep, unkeepable) => {
          calls.push(unkeepable ? `refresh, nothing keepable (${unkeepable})` : 'refresh');
          const tokens = await (setup.refresh ?? (async () => ({ idToken: idToken(3600, 'refreshed') })))();
          return { tokens, ...(setup.knownWithoutIdToken ? { knownWithoutIdToken: true } : {}) };
        },
        login: async () => {
          calls.push('login');
          return (setup.login ?? (async () => ({ idToken: idToken(3600, 'logged-in'), refreshToken: 'rt2' })))();
        },
        revoke: async () => {
          calls.push('revoke');
          return (setup.revoke ?? (async () => true))();
        },
        forAudience: async (subject, audience) => {
          calls.push(`exchange ${subjectOf(subject)} for ${audience}`);
          return (setup.exchange ?? (async () => ({ idToken: idToken(3600, 'cluster-b') })))(subject);
        },
      };
    },
    print: (token) => void printed.push(token),
    published: async () => void calls.push('publish'),
    unpublish: async () => void calls.push('unpublish'),
    log: recordingLogger(said),
  };
  return { adapters, printed, said, calls, saved, cooldowns, key, options };
};

/** A failure that hands over tokens worth keeping, as the IdP adapter throws it. */
const keeping = (code: PluginError['code'], message: string, keep: TokenSet): PluginError =>
  Object.assign(new PluginError(code, message), { keep });

/** The client's session logged in under its own lock, then exchanged under the audience session's lock. */
const LOGIN_THEN_EXCHANGE = [
  'lock',
  'lock',
  'discover',
  'login',
  'save',
  'release',
  'discover',
  'exchange logged-in for cluster-b',
  'save',
  'publish',
  'release',
];

const subjectOf = (token: CredentialToken | undefined): unknown =>
  token && JSON.parse(Buffer.from(token.token.split('.')[1]!, 'base64url').toString()).sub;

describe('get-token decides', () => {
  describe('--oidc-audience: the session of --oidc-client-id, exchanged', () => {
    const B = ['--oidc-audience=cluster-b'];

    it("the client's own session fresh: one exchange under the audience session's lock, saved as its own session", async () => {
      const w = world({ args: B, subjectCached: { idToken: idToken(3600, 'alice'), refreshToken: 'rt' } });
      await runGetToken(w.options, w.adapters);
      expect(w.calls).toEqual(['lock', 'discover', 'exchange alice for cluster-b', 'save', 'publish', 'release']);
      expect(w.printed.map(subjectOf)).toEqual(['cluster-b']);
      expect(w.saved.get(w.key)).toEqual({ idToken: expect.any(String) });
      expect(w.saved.size).toBe(2); // the client's own session stays as it was
    });

    it('no session yet: one login for the client under its own lock, then the exchange; only the audience session is published', async () => {
      const w = world({ args: B, interactive: true });
      await runGetToken(w.options, w.adapters);
      expect(w.calls).toEqual(LOGIN_THEN_EXCHANGE);
      expect(w.printed.map(subjectOf)).toEqual(['cluster-b']);
    });

    it("the client's session stale: refreshed, then exchanged — no browser", async () => {
      const w = world({ args: B, subjectCached: { idToken: idToken(-10, 'alice'), refreshToken: 'rt' } });
      await runGetToken(w.options, w.adapters);
      expect(w.calls).toEqual([
        'lock',
        'lock',
        'discover',
        'refresh',
        'save',
        'release',
        'discover',
        'exchange refreshed for cluster-b',
        'save',
        'publish',
        'release',
      ]);
    });

    it('a fresh audience session is served from the cache: no exchange, no lock', async () => {
      const w = world({ args: B, cached: { idToken: idToken(3600, 'cluster-b') } });
      await runGetToken(w.options, w.adapters);
      expect(w.calls).toEqual([]);
      expect(w.printed.map(subjectOf)).toEqual(['cluster-b']);
    });

    it('a failed exchange is said as it is, and starts no cool-down (nothing was shown to a person)', async () => {
      const refused = new PluginError('token_exchange', 'the token exchange for audience cluster-b returned an ID token for kubectl');
      const w = world({ args: B, subjectCached: { idToken: idToken(3600) }, exchange: async () => Promise.reject(refused) });
      await expect(runGetToken(w.options, w.adapters)).rejects.toBe(refused);
      expect(w.cooldowns.size).toBe(0);
      expect(w.printed).toEqual([]);
    });
  });

  it('a fresh cached token: printed with no lock and no IdP', async () => {
    const w = world({ cached: { idToken: idToken(3600) } });
    await runGetToken(w.options, w.adapters);
    expect(w.printed.map(subjectOf)).toEqual(['alice']);
    expect(w.calls).toEqual([]);
  });

  it('a token within --token-expiry-margin is stale: refreshed under the lock, saved, printed', async () => {
    const w = world({ args: ['--token-expiry-margin=120'], cached: { idToken: idToken(90), refreshToken: 'rt' } });
    await runGetToken(w.options, w.adapters);
    expect(w.calls).toEqual(['lock', 'discover', 'refresh', 'save', 'publish', 'release']);
    expect(w.printed.map(subjectOf)).toEqual(['refreshed']);
    expect(subjectOf({ token: w.saved.get(w.key)!.idToken!, expiresAt: 0 })).toBe('refreshed');
  });

  it('the same token with a shorter margin is fresh', async () => {
    const w = world({ args: ['--token-expiry-margin=60'], cached: { idToken: idToken(90), refreshToken: 'rt' } });
    await runGetToken(w.options, w.adapters);
    expect(w.calls).toEqual([]);
    expect(w.printed.map(subjectOf)).toEqual(['alice']);
  });

  it('after the fast path missed, a token another process saved meanwhile is used: no IdP', async () => {
    // The store as the cache-hit path hands it over: the read it made (expired) answered again, then the store.
    const w = world({
      cached: { idToken: idToken(-10), refreshToken: 'rt' },
      savedByOther: { idToken: idToken(3600, 'other') },
    });
    await runGetToken(w.options, w.adapters);
    expect(w.calls).toEqual(['lock', 'release']);
    expect(w.printed.map(subjectOf)).toEqual(['other']);
  });

  it('short-lived tokens: the margin is a third of the lifetime, and a waiter takes what the holder obtained', async () => {
    const short = (sub: string, age: number, left: number) => jwt({ sub, iat: NOW / 1000 - age, exp: NOW / 1000 + left });
    // 20 s tokens: fresh while more than 20/3 s are left (not 60 s), so the cache serves them for most of their life.
    const cached = world({ cached: { idToken: short('cached', 10, 10) } });
    await runGetToken(cached.options, cached.adapters);
    expect(cached.calls).toEqual([]);
    expect(cached.printed.map(subjectOf)).toEqual(['cached']);
    // A process that waited for the lock uses the holder's token while it is unexpired, even inside the margin.
    const waiter = world({ cached: { idToken: short('old', 19, 1) }, savedByOther: { idToken: short('holder', 17, 3) } });
    await runGetToken(waiter.options, waiter.adapters);
    expect(waiter.calls).toEqual(['lock', 'release']);
    expect(waiter.printed.map(subjectOf)).toEqual(['holder']);
    // One that started before that token was issued (slow to start) takes it too, without having waited.
    const late = world({ cached: { idToken: short('batch', 0.8, 0.3) } });
    await runGetToken(late.options, late.adapters);
    expect(late.calls).toEqual(['lock', 'release']);
    expect(late.printed.map(subjectOf)).toEqual(['batch']);
  });

  it('--force-refresh refreshes a fresh token when the lock was free, but takes what a process it waited for obtained', async () => {
    const free = world({ args: ['--force-refresh'], cached: { idToken: idToken(3600), refreshToken: 'rt' } });
    await runGetToken(free.options, free.adapters);
    expect(free.calls).toEqual(['lock', 'discover', 'refresh', 'save', 'publish', 'release']);
    const waited = world({
      args: ['--force-refresh'],
      cached: { idToken: idToken(3600), refreshToken: 'rt' },
      savedByOther: { idToken: idToken(3600, 'other') },
    });
    await runGetToken(waited.options, waited.adapters);
    expect(waited.calls).toEqual(['lock', 'release']);
    expect(waited.printed.map(subjectOf)).toEqual(['other']);
  });

  it('a failed refresh says why in one line, then logs in', async () => {
    const w = world({
      cached: { idToken: idToken(-10), refreshToken: 'rt' },
      refresh: async () => {
        throw new PluginError('idp_error', 'the token refresh failed: the IdP answered invalid_grant');
      },
    });
    await runGetToken(w.options, w.adapters);
    expect(w.said).toEqual(['could not refresh the token (the token refresh failed: the IdP answered invalid_grant); logging in again']);
    expect(w.calls).toEqual(['lock', 'discover', 'refresh', 'login', 'save', 'publish', 'release']);
    expect(w.printed.map(subjectOf)).toEqual(['logged-in']);
  });

  it('a refresh answer without the credential token keeps the rotated refresh token, says why a login follows', async () => {
    const w = world({
      cached: { idToken: idToken(-10), refreshToken: 'rt' },
      refresh: async () => ({ accessToken: 'at', refreshToken: 'rt-rotated' }),
      login: async () => {
        throw new PluginError('timeout', 'no login completed within 180 s');
      },
    });
    await expect(runGetToken(w.options, w.adapters)).rejects.toMatchObject({ code: 'timeout' });
    expect(w.said).toHaveLength(1);
    expect(w.said[0]).toMatch(/^the IdP refreshed the session but sent no ID token .*--oidc-use-access-token/);
    expect(w.calls).toEqual(['lock', 'discover', 'refresh', 'save', 'login', 'release']);
    // The login did not complete: the next run refreshes with the token the IdP rotated, not the spent one.
    expect([...w.saved.values()][0]).toMatchObject({ refreshToken: 'rt-rotated', accessToken: 'at' });
  });

  it('an IdP known to send no ID token on refresh: the login follows without the line said again', async () => {
    const w = world({
      cached: { idToken: idToken(-10), refreshToken: 'rt' },
      refresh: async () => ({ accessToken: 'at', refreshToken: 'rt-rotated' }),
      knownWithoutIdToken: true,
    });
    await runGetToken(w.options, w.adapters);
    expect(w.said).toEqual([]);
    expect(w.calls).toEqual(['lock', 'discover', 'refresh', 'save', 'login', 'save', 'publish', 'release']);
    expect(w.printed.map(subjectOf)).toEqual(['logged-in']);
  });

  it('a refresh answer that does not verify: nothing of it is kept (a rotated token written early is undone), one line, then a login', async () => {
    const w = world({
      cached: { idToken: idToken(-10), refreshToken: 'rt' },
      refresh: async () => {
        // As the adapter throws it: the verification's AnswerRejected keeps nothing.
        throw keeping('idp_error', 'the ID token of the refresh answer does not verify: signature verification failed', {});
      },
      login: async () => {
        throw new PluginError('timeout', 'no login completed within 180 s');
      },
    });
    await expect(runGetToken(w.options, w.adapters)).rejects.toMatchObject({ code: 'timeout' });
    expect(w.said).toEqual([
      'could not use the refresh answer (the ID token of the refresh answer does not verify: signature verification failed); ' +
        'logging in again',
    ]);
    expect(w.calls).toEqual(['lock', 'discover', 'refresh', 'save', 'login', 'release']);
    expect(w.saved.get(w.key)).toEqual({ idToken: idToken(-10), refreshToken: 'rt' });
  });

  it("a refresh whose ID token cannot be checked (the IdP's keys cannot be fetched): kept, reported, no login", async () => {
    for (const code of ['keys_unavailable', 'interrupted'] as const) {
      const w = world({
        cached: { idToken: idToken(-10), refreshToken: 'rt' },
        refresh: async () => {
          throw keeping(code, 'the ID token of the refresh answer cannot be verified: the JWKS request failed: HTTP 404', {
            accessToken: 'at2',
            refreshToken: 'rt-rotated',
          });
        },
      });
      await expect(runGetToken(w.options, w.adapters)).rejects.toMatchObject({ code });
      expect(w.calls, code).toEqual(['lock', 'discover', 'refresh', 'save', 'release']);
      expect(w.said, code).toEqual([]);
      expect(w.saved.get(w.key), code).toEqual({ idToken: idToken(-10), accessToken: 'at2', refreshToken: 'rt-rotated' });
    }
  });

  it('a login whose ID token cannot be checked yet keeps its refresh token for the next run; a forged one keeps nothing', async () => {
    const unverifiable = world({
      login: async () => {
        throw keeping('keys_unavailable', 'the ID token of the token answer (authorization_code grant) cannot be verified', {
          refreshToken: 'rt-new',
        });
      },
    });
    await expect(runGetToken(unverifiable.options, unverifiable.adapters)).rejects.toMatchObject({ code: 'keys_unavailable' });
    expect(unverifiable.saved.get(unverifiable.key)).toEqual({ refreshToken: 'rt-new' });
    const forged = world({
      login: async () => {
        throw keeping('idp_error', 'the ID token of the token answer (authorization_code grant) does not verify', {
          refreshToken: 'rt-new',
        });
      },
    });
    await expect(runGetToken(forged.options, forged.adapters)).rejects.toMatchObject({ code: 'idp_error' });
    expect(forged.saved.size).toBe(0);
  });

  it('no refresh token: a login', async () => {
    const w = world({ cached: { idToken: idToken(-10) } });
    await runGetToken(w.options, w.adapters);
    expect(w.calls).toEqual(['lock', 'discover', 'login', 'save', 'publish', 'release']);
  });

  it('a cool-down holds back a login, never a refresh', async () => {
    const cooldown = { until: NOW + 30_000, reason: 'no login completed within 180 s', at: NOW - 20_000 };
    const w = world({ cooldown, cached: { idToken: idToken(-10), refreshToken: 'rt' } });
    await runGetToken(w.options, w.adapters);
    expect(w.calls).toEqual(['lock', 'discover', 'refresh', 'save', 'publish', 'release']);
    expect(w.printed.map(subjectOf)).toEqual(['refreshed']);
  });

  it('a cool-down stops background runs and runs that waited for the lock, not a person at a terminal', async () => {
    const cooldown = { until: NOW + 30_000, reason: 'no login completed within 180 s', at: NOW - 20_000 };
    const background = world({ cooldown });
    const err = await runGetToken(background.options, background.adapters).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'login_cooldown',
      message:
        'the last login for this session failed 20 s ago (no login completed within 180 s); not opening another browser tab for 30 s',
    });
    expect(background.calls).toEqual(['lock', 'release']);
    const terminal = world({ cooldown, interactive: true });
    await runGetToken(terminal.options, terminal.adapters);
    expect(terminal.calls).toContain('login');
    expect(terminal.cooldowns.size).toBe(0); // a login that worked ends the cool-down
    const waited = world({ cooldown, interactive: true, savedByOther: { idToken: idToken(-10) } });
    await expect(runGetToken(waited.options, waited.adapters)).rejects.toMatchObject({ code: 'login_cooldown' });
  });

  it("kubectl's second run of the plugin after a failed login fails at once, even at a terminal; another kubectl logs in", async () => {
    const cooldown = { until: NOW + 30_000, reason: 'no login completed within 180 s', at: NOW - 2_000, parent: KUBECTL_PID };
    const again = world({ cooldown, interactive: true });
    const err = await runGetToken(again.options, again.adapters).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'login_cooldown',
      message:
        'the login this kubectl command asked for ended 2 s ago (no login completed within 180 s); not starting another for the same command',
      hint: 'run the kubectl command again to log in',
    });
    expect(again.calls).toEqual(['lock', 'release']);
    const next = world({ cooldown: { ...cooldown, parent: KUBECTL_PID + 1 }, interactive: true });
    await runGetToken(next.options, next.adapters);
    expect(next.calls).toContain('login');
    // A run that waited for the failed login's lock ran beside it, not after it: another command, told as such.
    const beside = world({ cooldown, interactive: true, savedByOther: { idToken: idToken(-10) } });
    await expect(runGetToken(beside.options, beside.adapters)).rejects.toMatchObject({
      message: expect.stringMatching(/^the last login for this session failed 2 s ago/),
    });
    // Run by hand from a shell (no kubectl said it ran us): the shell's pid says nothing about a command.
    const byHand = world({ cooldown, interactive: true });
    delete byHand.adapters.parent;
    await runGetToken(byHand.options, byHand.adapters);
    expect(byHand.calls).toContain('login');
  });

  it('an abandoned browser login starts the cool-down; machine grants never do', async () => {
    const timeout = async (): Promise<TokenSet> => {
      throw new PluginError('timeout', 'no login completed within 180 s');
    };
    const browser = world({ args: ['--login-cooldown=45'], login: timeout });
    await expect(runGetToken(browser.options, browser.adapters)).rejects.toMatchObject({ code: 'timeout' });
    expect(browser.cooldowns.get(browser.key)).toEqual({
      until: NOW + 45_000,
      reason: 'no login completed within 180 s',
      at: NOW,
      parent: KUBECTL_PID,
    });
    expect(browser.calls.at(-1)).toBe('release');
    const machine = world({ args: ['--grant-type=client-credentials'], login: timeout });
    await expect(runGetToken(machine.options, machine.adapters)).rejects.toMatchObject({ code: 'timeout' });
    expect(machine.cooldowns.size).toBe(0);
    const usage = world({ login: async () => Promise.reject(new PluginError('usage', '--grant-type=password needs --username')) });
    await expect(runGetToken(usage.options, usage.adapters)).rejects.toMatchObject({ code: 'usage' });
    expect(usage.cooldowns.size).toBe(0);
  });

  it('the cool-down is for what the person did (denied, cancelled); failures of the IdP are reported each time', async () => {
    const failing = (code: 'login_failed' | 'interrupted' | 'idp_error' | 'issuer_unreachable') =>
      world({ login: async () => Promise.reject(new PluginError(code, code)) });
    for (const code of ['login_failed', 'interrupted'] as const) {
      const w = failing(code);
      await expect(runGetToken(w.options, w.adapters)).rejects.toMatchObject({ code });
      expect(w.cooldowns.size, code).toBe(1);
    }
    for (const code of ['idp_error', 'issuer_unreachable'] as const) {
      const w = failing(code);
      await expect(runGetToken(w.options, w.adapters)).rejects.toMatchObject({ code });
      expect(w.cooldowns.size, code).toBe(0);
    }
  });

  it('a refresh that fails because the IdP is down (unreachable, TLS, 5xx) is reported, not followed by a login', async () => {
    for (const code of ['issuer_unreachable', 'tls'] as const) {
      const w = world({
        cached: { idToken: idToken(-10), refreshToken: 'rt' },
        refresh: async () => Promise.reject(new PluginError(code, `the token request (refresh_token grant) failed: ${code}`)),
      });
      await expect(runGetToken(w.options, w.adapters)).rejects.toMatchObject({ code });
      expect(w.calls).toEqual(['lock', 'discover', 'refresh', 'release']);
      expect(w.cooldowns.size).toBe(0);
    }
  });

  it('a cache that cannot even be locked (read-only HOME) still gives kubectl its token: one line, nothing saved', async () => {
    const w = world({ lockFails: true, cached: { idToken: idToken(-10), refreshToken: 'rt' } });
    await runGetToken(w.options, w.adapters);
    expect(w.printed.map(subjectOf)).toEqual(['refreshed']);
    expect(w.said).toEqual(['cannot create the session lock /ro/x.lock: EROFS; the token will not be cached']);
    // The IdP adapter is told that nothing can be kept: it refreshes only where the refresh token does not rotate.
    expect(w.calls).toEqual(['lock', 'discover', 'refresh, nothing keepable (cannot create the session lock /ro/x.lock: EROFS)']);
  });

  it('a cache that cannot be locked (read-only or full): an unexpired token is served rather than a refresh it could not keep', async () => {
    const w = world({ lockFails: true, cached: { idToken: idToken(30), refreshToken: 'rt' } }); // inside the 60 s margin
    await runGetToken(w.options, w.adapters);
    expect(w.printed.map(subjectOf)).toEqual(['alice']);
    expect(w.calls).toEqual(['lock']);
    expect(w.said).toEqual([]);
    // Expired: nothing to serve, so the refresh it is, said once, where the IdP adapter finds it keeps nothing at stake.
    const expired = world({ lockFails: true, cached: { idToken: idToken(-1), refreshToken: 'rt' } });
    await runGetToken(expired.options, expired.adapters);
    expect(expired.printed.map(subjectOf)).toEqual(['refreshed']);
    expect(expired.calls).toEqual(['lock', 'discover', 'refresh, nothing keepable (cannot create the session lock /ro/x.lock: EROFS)']);
    // --force-refresh on such a cache: the unexpired token, and one line why it was not renewed.
    const forced = world({ args: ['--force-refresh'], lockFails: true, cached: { idToken: idToken(3600), refreshToken: 'rt' } });
    await runGetToken(forced.options, forced.adapters);
    expect(forced.printed.map(subjectOf)).toEqual(['alice']);
    expect(forced.calls).toEqual(['lock']);
    expect(forced.said).toEqual([
      'cannot create the session lock /ro/x.lock: EROFS; using the cached token, which has not expired, rather than refreshing what cannot be saved',
    ]);
    // The adapter's refusal (a rotating refresh token) is the run's one line: no login follows.
    const refused = world({
      lockFails: true,
      cached: { idToken: idToken(-1), refreshToken: 'rt' },
      refresh: async () => {
        throw new PluginError('cache', "cannot create the session lock /ro/x.lock: EROFS: the session's refresh token is not spent");
      },
    });
    await expect(runGetToken(refused.options, refused.adapters)).rejects.toMatchObject({ code: 'cache' });
    expect(refused.calls).not.toContain('login');
  });

  it('a cache that cannot be written still gives kubectl its token, and says so', async () => {
    const w = world({ saveFails: true });
    await runGetToken(w.options, w.adapters);
    expect(w.printed.map(subjectOf)).toEqual(['logged-in']);
    expect(w.said).toEqual(['cannot write the token cache in /ro: EROFS; the token is not cached']);
  });

  it('an answer without the token kubectl needs is an error, and nothing is saved', async () => {
    const w = world({ login: async () => ({ accessToken: 'at' }) });
    await expect(runGetToken(w.options, w.adapters)).rejects.toMatchObject({
      code: 'token_exchange',
      message: 'the IdP returned no ID token',
    });
    expect(w.saved.size).toBe(0);
    const access = world({ args: ['--oidc-use-access-token'], login: async () => ({ accessToken: jwt({ exp: NOW / 1000 + 600 }) }) });
    await runGetToken(access.options, access.adapters);
    expect(access.printed).toHaveLength(1);
  });

  it('--token-cache-storage=none: no lock and no cool-down', async () => {
    const cooldown = { until: NOW + 30_000, reason: 'x', at: NOW };
    const w = world({ persistent: false, cooldown });
    await runGetToken(w.options, w.adapters);
    expect(w.calls).toEqual(['discover', 'login', 'save']);
  });
});

describe('the session service for the commands that log a person in (setup, login) and migrate', () => {
  it('a valid session is reused: setup and login get it with no lock and no IdP, as get-token does', async () => {
    const w = world({ cached: { idToken: idToken(3600), refreshToken: 'rt' } });
    const got = await obtain(w.options, w.adapters);
    expect(got).toMatchObject({ via: 'cache', tokens: { refreshToken: 'rt' } });
    expect(w.calls).toEqual([]);
  });

  it("renew 'login' (--force-login): a new login under the lock whatever the session holds, never a refresh", async () => {
    const w = world({ cached: { idToken: idToken(3600), refreshToken: 'rt' } });
    const got = await obtain(w.options, w.adapters, { renew: 'login' });
    expect(got.via).toBe('login');
    expect(w.calls).toEqual(['lock', 'discover', 'login', 'save', 'publish', 'release']);
  });

  it("renew 'login' with --oidc-audience: the client's session logged in anew, then exchanged", async () => {
    const w = world({ args: ['--oidc-audience=cluster-b'], subjectCached: { idToken: idToken(3600), refreshToken: 'rt' } });
    const got = await obtain(w.options, w.adapters, { renew: 'login' });
    expect(got).toMatchObject({ via: 'exchange', subject: { via: 'login' } });
    expect(w.calls).toEqual(LOGIN_THEN_EXCHANGE);
  });

  it("renew 'refresh' (setup's check): one refresh even of a token just obtained; its failures are the caller's, never a login", async () => {
    const fresh = world({ cached: { idToken: jwt({ sub: 'new', iat: NOW / 1000, exp: NOW / 1000 + 3600 }), refreshToken: 'rt' } });
    expect(await obtain(fresh.options, fresh.adapters, { renew: 'refresh' })).toMatchObject({ via: 'refresh' });
    expect(fresh.calls).toEqual(['lock', 'discover', 'refresh', 'save', 'publish', 'release']);

    const noIdToken = world({
      cached: { idToken: idToken(3600), refreshToken: 'rt' },
      refresh: async () => ({ accessToken: 'at', refreshToken: 'rt-rotated' }),
    });
    await expect(obtain(noIdToken.options, noIdToken.adapters, { renew: 'refresh' })).rejects.toMatchObject({ code: 'no_id_token' });
    expect(noIdToken.calls).toEqual(['lock', 'discover', 'refresh', 'save', 'release']);
    expect(noIdToken.saved.get(noIdToken.key)).toMatchObject({ idToken: idToken(3600), refreshToken: 'rt-rotated' });

    const refused = world({
      cached: { idToken: idToken(3600), refreshToken: 'rt' },
      refresh: async () => {
        throw new PluginError('idp_error', 'the token refresh failed: the IdP answered invalid_grant');
      },
    });
    await expect(obtain(refused.options, refused.adapters, { renew: 'refresh' })).rejects.toMatchObject({ code: 'idp_error' });
    expect(refused.calls).not.toContain('login');
    expect(refused.said).toEqual([]);
  });

  it('a cool-down left by background runs does not hold back a person who runs setup or login', async () => {
    const cooldown = { until: NOW + 30_000, reason: 'the login was abandoned', at: NOW - 5000, parent: 1 };
    const background = world({ cooldown });
    await expect(obtain(background.options, background.adapters)).rejects.toMatchObject({ code: 'login_cooldown' });
    const person = world({ cooldown });
    const got = await obtain(person.options, { ...person.adapters, askedByPerson: true });
    expect(got.via).toBe('login');
  });

  it("adopt (migrate's import): saved under the lock and published, unless the session holds one already", async () => {
    const empty = world({});
    expect(await adopt(empty.options, empty.adapters, { idToken: idToken(3600, 'imported'), refreshToken: 'k-rt' })).toBe(true);
    expect(empty.calls).toEqual(['lock', 'save', 'publish', 'release']);
    const ours = world({ cached: { idToken: idToken(-10), refreshToken: 'our-rt' } });
    expect(await adopt(ours.options, ours.adapters, { idToken: idToken(3600, 'imported'), refreshToken: 'k-rt' })).toBe(false);
    expect(ours.calls).toEqual(['lock', 'release']);
    expect(ours.saved.get(ours.key)).toMatchObject({ refreshToken: 'our-rt' });
  });

  it('forget (logout): revoked and removed under the lock, hit files and cool-down too; a refusal to revoke still removes', async () => {
    const w = world({ cached: { idToken: idToken(3600), refreshToken: 'rt' }, cooldown: { until: NOW + 30_000, reason: 'x', at: NOW } });
    expect(await forget(w.key, w.adapters)).toEqual({ removed: true, revocation: 'revoked the refresh token at the IdP' });
    expect(w.calls).toEqual(['lock', 'discover', 'revoke', 'unpublish', 'release']);
    expect(w.saved.size).toBe(0);
    expect(w.cooldowns.size).toBe(0);
    const refused = world({
      cached: { idToken: idToken(3600), refreshToken: 'rt' },
      revoke: async () => {
        throw new PluginError('idp_error', 'the revocation request failed: HTTP 401');
      },
    });
    expect(await forget(refused.key, refused.adapters)).toEqual({
      removed: true,
      revocation: 'could not revoke the refresh token (the revocation request failed: HTTP 401)',
    });
    expect(refused.saved.size).toBe(0);
    // An IdP not reached says nothing of the token: the session stays for a logout that can revoke it.
    const unreached = world({
      cached: { idToken: idToken(3600), refreshToken: 'rt' },
      revoke: async () => {
        throw new PluginError('issuer_unreachable', 'the revocation request failed: cannot reach https://idp (ECONNREFUSED)');
      },
    });
    expect(await forget(unreached.key, unreached.adapters)).toMatchObject({ removed: false, unreached: { code: 'issuer_unreachable' } });
    expect(unreached.saved.size).toBe(1);
    expect(await forget(unreached.key, unreached.adapters, false)).toMatchObject({
      removed: true,
      revocation: 'not revoked (--skip-revoke): the refresh token stays valid until it expires',
    });
    expect(unreached.saved.size).toBe(0);
  });
});

describe('get-token prints', () => {
  it('never a token that expired while the run waited: the session service is asked once more', async () => {
    let asked = 0;
    const get = (expiresAt: number[]) => async () => {
      asked += 1;
      return { token: `t${asked}`, expiresAt: expiresAt[asked - 1] } as CredentialToken;
    };
    expect((await unexpired(get([1000, 2000]), () => 1000)).token).toBe('t2');
    expect(asked).toBe(2);
    asked = 0;
    expect((await unexpired(get([1001]), () => 1000)).token).toBe('t1');
    expect(asked).toBe(1);
  });
});
