import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseGetTokenArgs } from '../../src/cli/flags.js';
import { diskStore, parseSessionFile, serializeSession, writeFileAtomic } from '../../src/session/disk-store.js';
import { credentialToken, isFresh, jwtExpiry } from '../../src/session/expiry.js';
import { sessionKey } from '../../src/session/key.js';

const jwt = (claims: object): string => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;

describe('disk session store', () => {
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
    const store = diskStore(dir);
    const tokens = { idToken: 'id', refreshToken: 'rt', accessToken: 'at', accessTokenExpiresAt: 123 };
    await store.save('k', tokens);
    expect(await store.load('k')).toEqual(tokens);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'k.json')).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['k.json']);
  });

  it('treats a missing, truncated, corrupt or foreign file as absent', async () => {
    const dir = tempDir();
    const store = diskStore(dir);
    expect(await store.load('missing')).toBeUndefined();
    const full = serializeSession({ idToken: 'id' });
    for (const [name, content] of [
      ['truncated', full.slice(0, full.length - 3)],
      ['garbage', '\u0000\u0001binary'],
      ['foreign', JSON.stringify({ access_token: 'x', token_type: 'Bearer' })],
      ['wrongtype', JSON.stringify({ format: 'kubectl-oidc/session/v1', idToken: 42 })],
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
    expect(parseSessionFile(serializeSession({ idToken: 'a', refreshToken: 'b' }))).toEqual({ idToken: 'a', refreshToken: 'b' });
    expect(parseSessionFile('{"format":"other","idToken":"a"}')).toBeUndefined();
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
  });
});

describe('session key', () => {
  const base = ['--oidc-issuer-url=https://idp.example', '--oidc-client-id=kubectl'];

  it('is the same for the same settings in any flag or scope order', () => {
    const a = sessionKey(parseGetTokenArgs([...base, '--oidc-extra-scope=email,groups', '--oidc-auth-request-extra-params=a=1', '--oidc-auth-request-extra-params=b=2', '--listen-address=127.0.0.1:9000']));
    const b = sessionKey(parseGetTokenArgs(['--oidc-auth-request-extra-params=b=2', '--oidc-extra-scope=groups', '--oidc-client-id=kubectl', '--oidc-extra-scope=email', '--oidc-auth-request-extra-params=a=1', '--oidc-issuer-url=https://idp.example']));
    expect(a).toBe(b);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    ['--oidc-issuer-url=https://other.example'],
    ['--oidc-client-id=other'],
    ['--oidc-client-secret=s'],
    ['--oidc-extra-scope=email'],
    ['--oidc-use-access-token'],
    ['--oidc-redirect-url=http://localhost:8080'],
    ['--oidc-auth-request-extra-params=prompt=login'],
  ])('differs when %s changes', (flag) => {
    expect(sessionKey(parseGetTokenArgs([...base, flag]))).not.toBe(sessionKey(parseGetTokenArgs(base)));
  });
});
