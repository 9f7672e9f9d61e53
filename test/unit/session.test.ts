import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseGetTokenArgs } from '../../src/cli/options.js';
import { PluginError } from '../../src/errors.js';
import { fastParseGetToken } from '../../src/options/parse.js';
import { credentialToken, isFresh, jwtExpiry } from '../../src/session/expiry.js';
import { fileStore, listSessions, parseSessionFile, serializeSession, writeFileAtomic } from '../../src/session/file-store.js';
import { sessionKey } from '../../src/session/key.js';
import { openOnce, readOnce } from '../../src/session/read-once.js';
import { aesGcmSealer } from '../../src/session/seal.js';
import type { SessionInfo, SessionStore } from '../../src/session/tokens.js';
import { testAmbient } from '../support/ambient.js';

const jwt = (claims: object): string => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;

const info: SessionInfo = { issuer: 'https://idp.example', clientId: 'kubectl', subject: 'alice', hasRefreshToken: true, savedAt: 1 };
const KEY = 'a'.repeat(64);

describe('file session store', () => {
  const dirs: string[] = [];
  const tempDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'kubectl-oidc-unit-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('round-trips a session in a 0600 file inside a 0700 directory it creates', async () => {
    const dir = join(tempDir(), 'cache');
    const store = fileStore(dir, undefined, testAmbient());
    const tokens = { idToken: 'id', refreshToken: 'rt', accessToken: 'at', accessTokenExpiresAt: 123 };
    await store.save(KEY, tokens, info);
    expect(await store.load(KEY)).toEqual(tokens);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, `${KEY}.json`)).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual([`${KEY}.json`]);
    expect(await listSessions(dir)).toEqual([{ key: KEY, info, storage: 'disk' }]);
    expect(await store.remove(KEY)).toBe(true);
    expect(await store.load(KEY)).toBeUndefined();
  });

  it('seals tokens with AES-256-GCM: no token in the file, readable only with the key and under its own name', async () => {
    const dir = tempDir();
    const sealer = aesGcmSealer(Buffer.alloc(32, 7));
    const tokens = { idToken: 'the-id-token', refreshToken: 'the-refresh-token' };
    await fileStore(dir, sealer, testAmbient()).save(KEY, tokens, info);
    const text = readFileSync(join(dir, `${KEY}.json`), 'utf8');
    expect(text).not.toContain('the-id-token');
    expect(text).not.toContain('the-refresh-token');
    expect(await fileStore(dir, sealer, testAmbient()).load(KEY)).toEqual(tokens);
    expect(await fileStore(dir, aesGcmSealer(Buffer.alloc(32, 8)), testAmbient()).load(KEY)).toBeUndefined();
    expect(await fileStore(dir, undefined, testAmbient()).load(KEY)).toBeUndefined();
    expect(parseSessionFile(text, 'b'.repeat(64), sealer)).toBeUndefined(); // moved to another session's name
    expect((await listSessions(dir))[0]).toMatchObject({ info, storage: 'keyring' });
    const big = { idToken: 'x'.repeat(16384) };
    await fileStore(dir, sealer, testAmbient()).save(KEY, big, info);
    expect(await fileStore(dir, sealer, testAmbient()).load(KEY)).toEqual(big);
  });

  it('treats a missing, truncated, corrupt or foreign file as absent', async () => {
    const dir = tempDir();
    const store = fileStore(dir, undefined, testAmbient());
    expect(await store.load('missing')).toBeUndefined();
    const full = serializeSession(KEY, { idToken: 'id' }, info, undefined);
    for (const [name, content] of [
      ['truncated', full.slice(0, full.length - 3)],
      ['garbage', '\u0000\u0001binary'],
      ['foreign', JSON.stringify({ access_token: 'x', token_type: 'Bearer' })],
      ['wrongtype', JSON.stringify({ format: 'kubectl-oidc/session/v1', info, tokens: { idToken: 42 } })],
      ['array', '[]'],
    ]) {
      writeFileSync(join(dir, `${name}.json`), content!);
      expect(await store.load(name!), name).toBeUndefined();
    }
  });

  it('replaces a file atomically and leaves no temp files behind', async () => {
    const dir = tempDir();
    const path = join(dir, 'file.json');
    await writeFileAtomic(path, 'old');
    await writeFileAtomic(path, 'new');
    expect(readFileSync(path, 'utf8')).toBe('new');
    expect(readdirSync(dir)).toEqual(['file.json']);
  });

  it('parses what it serializes and nothing else', () => {
    expect(parseSessionFile(serializeSession(KEY, { idToken: 'a', refreshToken: 'b' }, info, undefined), KEY, undefined)).toEqual({
      idToken: 'a',
      refreshToken: 'b',
    });
    expect(parseSessionFile('{"format":"other","tokens":{"idToken":"a"}}', KEY, undefined)).toBeUndefined();
  });
});

describe('expiry', () => {
  it('reads exp from a JWT without verifying it, and nothing from garbage', () => {
    expect(jwtExpiry(jwt({ exp: 1700000000 }))).toBe(1700000000);
    expect(jwtExpiry('not-a-jwt')).toBeUndefined();
    expect(jwtExpiry('a.!!!.c')).toBeUndefined();
    expect(jwtExpiry(jwt({ exp: 'soon' }))).toBeUndefined();
  });

  it('picks the ID token, or the access token in access-token mode', () => {
    const tokens = { idToken: jwt({ exp: 100 }), accessToken: 'opaque', accessTokenExpiresAt: 200 };
    expect(credentialToken(tokens, false)).toEqual({ token: tokens.idToken, expiresAt: 100 });
    expect(credentialToken(tokens, true)).toEqual({ token: 'opaque', expiresAt: 200 });
    expect(credentialToken({ accessToken: 'x' }, false)).toBeUndefined();
  });

  it('counts a token as fresh only with more than the margin left', () => {
    expect(isFresh({ token: 't', expiresAt: 1000 }, 900, 60)).toBe(true);
    expect(isFresh({ token: 't', expiresAt: 1000 }, 940, 60)).toBe(false);
    expect(isFresh({ token: 't', expiresAt: 1000 }, 1001, 0)).toBe(false);
    expect(isFresh({ token: 't', expiresAt: undefined }, 0, 0)).toBe(false);
    // The margin fits the token: at most a third of its lifetime (iat → exp).
    expect(isFresh({ token: 't', expiresAt: 1020, issuedAt: 1000 }, 1013, 60)).toBe(true);
    expect(isFresh({ token: 't', expiresAt: 1020, issuedAt: 1000 }, 1014, 60)).toBe(false);
    expect(isFresh({ token: 't', expiresAt: 4600, issuedAt: 1000 }, 4539, 60)).toBe(true);
    expect(isFresh({ token: 't', expiresAt: 4600, issuedAt: 1000 }, 4541, 60)).toBe(false);
  });
});

describe('session key', () => {
  const base = ['--oidc-issuer-url=https://idp.example', '--oidc-client-id=kubectl'];

  it('is the same for the same settings in any flag or scope order', () => {
    const a = sessionKey(
      parseGetTokenArgs([
        ...base,
        '--oidc-extra-scope=email,groups',
        '--oidc-auth-request-extra-params=a=1',
        '--oidc-auth-request-extra-params=b=2',
        '--listen-address=127.0.0.1:9000',
      ]),
    );
    const b = sessionKey(
      parseGetTokenArgs([
        '--oidc-auth-request-extra-params=b=2',
        '--oidc-extra-scope=groups',
        '--oidc-client-id=kubectl',
        '--oidc-extra-scope=email',
        '--oidc-auth-request-extra-params=a=1',
        '--oidc-issuer-url=https://idp.example',
      ]),
    );
    expect(a).toBe(b);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
  });

  it('keeps the names of existing session files (SHA-256 of the canonical settings, as computed with node:crypto before)', () => {
    const key = sessionKey(parseGetTokenArgs([...base, '--oidc-extra-scope=email,groups']));
    expect(key).toBe('dce0629017f05b22d2af47f44e4c48a017a729bbf06f5ea4d3f4aba647b61a51');
  });

  it.each([
    ['--oidc-issuer-url=https://other.example'],
    ['--oidc-client-id=other'],
    ['--oidc-client-secret=s'],
    ['--oidc-extra-scope=email'],
    ['--oidc-use-access-token'],
    ['--oidc-redirect-url=http://localhost:8080'],
    ['--oidc-auth-request-extra-params=prompt=login'],
    ['--login-hint=bob@example.com'],
    ['--account=work'],
    ['--certificate-authority=/etc/ca.pem'],
  ])('differs when %s changes', (flag) => {
    expect(sessionKey(parseGetTokenArgs([...base, flag]))).not.toBe(sessionKey(parseGetTokenArgs(base)));
  });

  it('follows whom the tokens are for: the token to exchange (flag, variable or file content), the actor, the username', () => {
    const exchange = [...base, '--grant-type=token-exchange'];
    const keyOf = (args: string[], env: NodeJS.ProcessEnv = {}): string => sessionKey(fastParseGetToken([...exchange, ...args], env)!);
    const alice = keyOf(['--token-exchange-subject-token=alice-token']);
    expect(keyOf(['--token-exchange-subject-token=mallory-token'])).not.toBe(alice);
    expect(keyOf([], { KUBECTL_OIDC_TOKEN_EXCHANGE_SUBJECT_TOKEN: 'alice-token' })).toBe(alice);
    expect(keyOf([], { KUBECTL_OIDC_TOKEN_EXCHANGE_SUBJECT_TOKEN: 'mallory-token' })).not.toBe(alice);
    const file = join(mkdtempSync(join(tmpdir(), 'kubectl-oidc-unit-')), 'subject');
    try {
      writeFileSync(file, 'carol-token\n');
      const carol = keyOf([`--token-exchange-subject-token-file=${file}`]);
      writeFileSync(file, 'dave-token\n');
      expect(keyOf([`--token-exchange-subject-token-file=${file}`])).not.toBe(carol);
      writeFileSync(file, 'alice-token\n');
      expect(keyOf([`--token-exchange-subject-token-file=${file}`])).toBe(alice); // the same subject, however given
    } finally {
      rmSync(join(file, '..'), { recursive: true, force: true });
    }
    const withActor = keyOf(['--token-exchange-subject-token=alice-token', '--token-exchange-actor-token=bot-1']);
    expect(keyOf(['--token-exchange-subject-token=alice-token', '--token-exchange-actor-token=bot-2'])).not.toBe(withActor);
    expect(withActor).not.toBe(alice);
    const password = [...base, '--grant-type=password'];
    expect(sessionKey(parseGetTokenArgs([...password, '--username=alice']))).not.toBe(
      sessionKey(parseGetTokenArgs([...password, '--username=mallory'])),
    );
    // Sessions without a token to exchange keep their names.
    expect(sessionKey(parseGetTokenArgs(exchange))).toBe(sessionKey(parseGetTokenArgs(exchange)));
  });
});

describe("a get-token run's store, opened once and read once", () => {
  it('opens once whoever asks, a locked keychain included; answers the read it made once, then reads the store', async () => {
    let opens = 0;
    const locked = openOnce(async () => {
      opens += 1;
      throw new PluginError('keychain_locked', 'the OS keychain is locked');
    });
    await expect(locked()).rejects.toThrow('locked');
    await expect(locked()).rejects.toThrow('locked');
    expect(opens).toBe(1);

    const reads: string[] = [];
    const store: SessionStore = {
      name: 'disk',
      persistent: true,
      load: async (key) => {
        reads.push(key);
        return { idToken: `from-disk-${key}` };
      },
      save: async () => undefined,
      remove: async () => false,
    };
    const once = readOnce(store, 'k', { idToken: 'read-before' });
    expect(await once.load('k')).toEqual({ idToken: 'read-before' });
    expect(reads).toEqual([]);
    expect(await once.load('k')).toEqual({ idToken: 'from-disk-k' });
    expect(await once.load('other')).toEqual({ idToken: 'from-disk-other' });
    expect(reads).toEqual(['k', 'other']);
  });
});
