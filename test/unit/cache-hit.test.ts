import { describe, expect, it } from 'vitest';
import { parseGetTokenArgs } from '../../src/cli/options.js';
import { type CacheAdapters, type GetTokenRun, serveFromCache } from '../../src/commands/get-token/cache-hit.js';
import { PluginError } from '../../src/errors.js';
import { sessionKey } from '../../src/session/key.js';
import { openOnce } from '../../src/session/read-once.js';
import type { SessionStore, TokenSet } from '../../src/session/tokens.js';
import { testAmbient } from '../support/ambient.js';

// The first step of get-token, the cache hit, with its clock, store and stdout in memory.

const NOW = 1_800_000_000_000;
const jwt = (claims: object): string => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;
/** An ID token issued `age` seconds ago that lives `lifetime` seconds. */
const idToken = (age: number, lifetime: number): string => jwt({ sub: 'alice', iat: NOW / 1000 - age, exp: NOW / 1000 - age + lifetime });
const RUN = { args: ['get-token'], env: {} };

const serve = async (args: string[], cached: TokenSet | undefined, opened?: PluginError) => {
  const options = parseGetTokenArgs(['--oidc-issuer-url=https://idp.example', '--oidc-client-id=kubectl', ...args]);
  const calls: string[] = [];
  const printed: { token: string; nowSec: number }[] = [];
  const store: SessionStore = {
    name: 'disk',
    persistent: true,
    load: async (key) => {
      calls.push('load');
      return key === sessionKey(options) ? cached : undefined;
    },
    save: async () => undefined,
    remove: async () => false,
  };
  const adapters: CacheAdapters = {
    ...testAmbient(NOW),
    openStore: openOnce(async () => {
      calls.push('open');
      if (opened) throw opened;
      return store;
    }),
    print: (token, nowSec) => void printed.push({ token: token.token, nowSec }),
    restoreHit: async () => void calls.push('restore hit'),
  };
  return { result: await serveFromCache(options, RUN, adapters), calls, printed, store, options };
};

describe('the cache hit', () => {
  it('a fresh token: printed once at the clock given, the hit file written again; nothing else', async () => {
    const token = idToken(10, 3600);
    const { result, calls, printed } = await serve([], { idToken: token, refreshToken: 'rt' });
    expect(result).toBe('served');
    expect(printed).toEqual([{ token, nowSec: NOW / 1000 }]);
    expect(calls).toEqual(['open', 'load', 'restore hit']);
  });

  it('within the margin (60 s, at most a third of the lifetime): a miss that keeps the store it opened and read', async () => {
    const late = await serve([], { idToken: idToken(3550, 3600) }); // 50 s left: inside the 60 s margin
    expect(late.printed).toEqual([]);
    // The session service gets the store as it was opened, and the read made: neither done again.
    const handed = await (late.result as GetTokenRun).store();
    expect(handed.name).toBe('disk');
    expect(await handed.load(sessionKey(late.options))).toEqual({ idToken: idToken(3550, 3600) });
    expect(late.calls).toEqual(['open', 'load']);
    await handed.load(sessionKey(late.options));
    expect(late.calls).toEqual(['open', 'load', 'load']);
    const short = await serve([], { idToken: idToken(12, 20) }); // 8 s left of a 20 s token: more than a third (6.7 s)
    expect(short.result).toBe('served');
    const shortLate = await serve([], { idToken: idToken(14, 20) }); // 6 s left: less than a third
    expect(shortLate.result).not.toBe('served');
  });

  it('no session, --force-refresh, a locked keychain: a miss, each as get-token needs it', async () => {
    expect((await serve([], undefined)).result).toMatchObject({ run: RUN });
    const forced = await serve(['--force-refresh'], { idToken: idToken(10, 3600) });
    expect(forced.calls).toEqual([]); // never looks
    expect(forced.result).toEqual({ options: expect.anything(), run: RUN, store: expect.any(Function) });
    // A locked keychain: the session service gets the same refusal from the store, without asking the keychain again.
    const locked = new PluginError('keychain_locked', 'the OS keychain is locked');
    const refused = await serve([], undefined, locked);
    await expect((refused.result as GetTokenRun).store()).rejects.toBe(locked);
    expect(refused.calls).toEqual(['open']);
    await expect(serve([], undefined, new PluginError('cache', 'EACCES'))).rejects.toMatchObject({ code: 'cache' });
  });
});
