import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import * as client from 'openid-client';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Provider } from '../../src/oidc/provider.js';
import { AnswerRejected, type IdTokenExpectations, verifiedTokens } from '../../src/oidc/verify.js';
import { recordingLogger } from '../support/ambient.js';

// The one check every ID token passes before it is cached or printed, whatever the grant: each rejection by itself,
// against a real signature (jose), with the IdP's keys given as the discovery cache would give them.

const ISSUER = 'https://idp.example';
const CLIENT = 'kubectl';
const NOW = 1_800_000_000;

type Key = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let key: Key;
let otherKey: Key;
let jwk: JWK;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  key = pair.privateKey;
  jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  otherKey = (await generateKeyPair('RS256')).privateKey;
});

/** A provider as discovery makes it, its keys known; a JWKS request (for an unknown kid) answers the same keys. */
const provider = (): Provider => {
  const metadata = { issuer: ISSUER, jwks_uri: `${ISSUER}/jwks`, id_token_signing_alg_values_supported: ['RS256'] };
  const jwks = { keys: [jwk] };
  return {
    config: new client.Configuration(metadata, CLIENT),
    fetch: async () => new Response(JSON.stringify(jwks), { headers: { 'content-type': 'application/json' } }),
    options: { clientId: CLIENT },
    jwks,
    clock: { now: () => NOW * 1000 },
    log: recordingLogger(),
  } as unknown as Provider;
};

const GOOD = { iss: ISSUER, aud: CLIENT, sub: 'u1', iat: NOW - 5, exp: NOW + 3600, nonce: 'n-1' };

const sign = (claims: Record<string, unknown>, signingKey: Key = key, kid = 'k1'): Promise<string> =>
  new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid }).sign(signingKey);

const verify = async (claims: Record<string, unknown>, expect: IdTokenExpectations = {}, signed?: string) =>
  verifiedTokens(provider(), { idToken: signed ?? (await sign(claims)), refreshToken: 'rotated-rt' }, 'the answer', expect);

const rejection = async (promise: Promise<unknown>): Promise<AnswerRejected> => {
  try {
    await promise;
  } catch (err) {
    if (err instanceof AnswerRejected) return err;
    throw err;
  }
  throw new Error('the token was accepted');
};

describe('one verification of every ID token', () => {
  it('takes a token signed by the IdP, for the client, from the issuer, in its lifetime', async () => {
    const tokens = await verify(GOOD, { nonce: 'n-1', subject: 'u1' });
    expect(tokens.refreshToken).toBe('rotated-rt');
    // Several audiences with the client as azp; an exchange's audience when that is what was asked for.
    await verify({ ...GOOD, aud: [CLIENT, 'other'], azp: CLIENT });
    await verify({ ...GOOD, aud: 'cluster-b', azp: CLIENT }, { audiences: ['cluster-b'] });
    // A minute of nbf ahead is what kube-apiserver allows too.
    await verify({ ...GOOD, nbf: NOW + 50 });
  });

  it.each([
    ['a signature by a key the IdP does not publish', {}, 'k1', 'other', /signature verification failed/],
    ['a kid the IdP does not have (its keys fetched again, still no match)', {}, 'k9', 'other', /no key of the IdP matches its signature/],
    [
      'another issuer',
      { iss: 'https://attacker.invalid' },
      'k1',
      'ours',
      /issued by "https:\/\/attacker\.invalid", not by https:\/\/idp\.example/,
    ],
    ['an issuer that differs in a trailing slash', { iss: `${ISSUER}/` }, 'k1', 'ours', /not by https:\/\/idp\.example$/],
    ['another audience', { aud: 'cluster-x' }, 'k1', 'ours', /it is for cluster-x, not kubectl/],
    ['another authorized party', { aud: [CLIENT, 'x'], azp: 'mallory' }, 'k1', 'ours', /issued to "mallory" \(azp\)/],
    ['several audiences without azp', { aud: [CLIENT, 'x'] }, 'k1', 'ours', /several audiences .* no azp/],
    ['no sub', { sub: undefined }, 'k1', 'ours', /no sub/],
    ['no exp', { exp: undefined }, 'k1', 'ours', /no exp/],
    ['an exp in the past', { exp: NOW - 1 }, 'k1', 'ours', /expired 1 s ago/],
    ['an nbf beyond a minute ahead', { nbf: NOW + 120 }, 'k1', 'ours', /not valid for 120 s \(nbf\)/],
    ['no iat', { iat: undefined }, 'k1', 'ours', /no iat/],
    ['an iat a year ahead', { iat: NOW + 365 * 86400 }, 'k1', 'ours', /issued 31536000 s from now/],
  ])('refuses %s, and keeps nothing of the answer', async (_name, change, kid, signer, message) => {
    const signed = await sign({ ...GOOD, ...change }, signer === 'ours' ? key : otherKey, kid);
    const err = await rejection(verify({}, {}, signed));
    expect(err.code).toBe('idp_error');
    expect(err.message).toMatch(/^the ID token of the answer does not verify: /);
    expect(err.message).toMatch(message);
    expect(err.keep).toEqual({}); // not even the refresh token it brought
  });

  it('refuses a nonce the login did not send, and a refresh for another subject (OpenID Connect Core §12.2)', async () => {
    expect((await rejection(verify(GOOD, { nonce: 'n-2' }))).message).toMatch(/nonce is not the one the login sent/);
    expect((await rejection(verify({ ...GOOD, sub: 'admin' }, { subject: 'u1' }))).message).toMatch(
      /it is for sub "admin", not this session's "u1"/,
    );
  });

  it("an exchange's token must be for the audience asked for, not the client's", async () => {
    expect((await rejection(verify(GOOD, { audiences: ['cluster-b'] }))).message).toMatch(/it is for kubectl, not cluster-b/);
  });

  it('keys that cannot be fetched: kept, for the next run to check (the answer may well be good)', async () => {
    const p = provider();
    (p as { jwks?: unknown }).jwks = undefined;
    (p as { fetch: unknown }).fetch = async () => new Response('nope', { status: 503 });
    const err = await rejection(verifiedTokens(p, { idToken: await sign(GOOD), refreshToken: 'rotated-rt' }, 'the answer'));
    expect(err.code).toBe('keys_unavailable');
    expect(err.keep).toEqual({ refreshToken: 'rotated-rt' });
  });
});
