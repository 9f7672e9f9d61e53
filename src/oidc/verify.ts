import { compactVerify, createLocalJWKSet, type JSONWebKeySet } from 'jose';
import { PluginError } from '../errors.js';
import { audienceList, jwtClaims } from '../session/expiry.js';
import type { TokenSet } from '../session/tokens.js';
import { documentFetch } from './documents.js';
import { translateError } from './errors.js';
import { describeAnswer, failedAnswerOf } from './failed-answer.js';
import type { Provider } from './provider.js';

const fetchJwks = async (provider: Provider): Promise<JSONWebKeySet> => {
  const uri = provider.config.serverMetadata().jwks_uri;
  if (!uri) throw new PluginError('issuer_invalid', 'the discovery document has no jwks_uri to verify ID tokens with');
  const what = `the JWKS request (GET ${uri})`;
  let response: Response;
  try {
    response = await documentFetch(provider.fetch, 'the JWKS request')(uri, { headers: { accept: 'application/json' } });
  } catch (err) {
    throw translateError(err, what, uri);
  }
  const answer = failedAnswerOf(response);
  if (answer || !response.ok) {
    await response.body?.cancel();
    throw new PluginError('issuer_invalid', `${what} failed: ${answer ? describeAnswer(answer) : `HTTP ${response.status}`}`);
  }
  try {
    const jwks = (await response.json()) as JSONWebKeySet;
    if (!Array.isArray(jwks?.keys)) throw new Error('no "keys" array');
    return jwks;
  } catch (err) {
    throw new PluginError('issuer_invalid', `${what} did not answer a JSON Web Key Set`, undefined, { cause: err });
  }
};

/**
 * Verifies an ID token's signature with the issuer's keys: the cached JWKS first, fetched again only for a key it
 * does not have (so a refresh stays one request). Resolves why it fails, if it does.
 */
export const idTokenSignatureProblem = async (provider: Provider, idToken: string): Promise<string | undefined> => {
  const algorithms = provider.config.serverMetadata().id_token_signing_alg_values_supported?.filter((alg) => alg !== 'none') ?? ['RS256'];
  const attempt = async (jwks: JSONWebKeySet): Promise<'ok' | 'unknown key' | string> => {
    try {
      await compactVerify(idToken, createLocalJWKSet(jwks), { algorithms });
      return 'ok';
    } catch (err) {
      const code = (err as { code?: string }).code;
      return code === 'ERR_JWKS_NO_MATCHING_KEY' || code === 'ERR_JWKS_INVALID' ? 'unknown key' : (err as Error).message;
    }
  };
  const cached = provider.jwks;
  const first = cached ? await attempt(cached) : 'unknown key';
  if (first !== 'unknown key') return first === 'ok' ? undefined : first;
  provider.log.debug(cached ? 'the ID token is signed with a key the cached JWKS lacks; fetching the JWKS' : 'fetching the JWKS');
  provider.jwks = await fetchJwks(provider);
  const second = await attempt(provider.jwks);
  return second === 'ok' ? undefined : second === 'unknown key' ? 'no key of the IdP matches its signature' : second;
};

/**
 * A token endpoint answer that could not be used as it came (its ID token does not verify, the IdP's keys could not be
 * fetched to check it, openid-client refused it), with what it carried that is still good — above all a refresh token
 * the IdP may just have rotated, which must not be lost. `keys_unavailable`: the answer may well be good, the keys are
 * what is missing.
 */
export class AnswerRejected extends PluginError {
  /** The whole answer, its ID token unverified: for setup to judge as kube-apiserver would, never to keep or print. */
  readonly unverified: TokenSet | undefined;

  constructor(
    code: 'idp_error' | 'keys_unavailable' | 'interrupted',
    message: string,
    readonly keep: TokenSet,
    options: { hint?: string; cause?: unknown; exitCode?: number; unverified?: TokenSet } = {},
  ) {
    super(code, message, options.hint, options);
    this.unverified = options.unverified;
  }
}

/** What an ID token must say besides its issuer: whom it is for, and what this run knows it must carry. */
export interface IdTokenExpectations {
  /** The audiences it may be for (any one of them): the client, or an exchange's audience. Default: the client. */
  audiences?: string[];
  /** The nonce the authorization request sent. */
  nonce?: string;
  /** On refresh: the subject of the session (OpenID Connect Core §12.2: the refreshed ID token's sub MUST be the same). */
  subject?: string;
}

/** kube-apiserver allows a not-before a minute ahead; an issued-at this far ahead is a clock apart, no further. */
const NBF_LEEWAY_SEC = 60;
const IAT_LEEWAY_SEC = 300;

/**
 * What is wrong with an ID token's claims, as kube-apiserver and OpenID Connect Core §3.1.3.7 judge them: `iss` exactly
 * the issuer, an `aud` expected (several only with `azp`, and `azp` the client), `sub`, `exp` present and in the future
 * (no leeway, as kube-apiserver), `nbf` at most a minute ahead, `iat` present and not beyond a clock's skew ahead, the
 * nonce sent, the session's subject on refresh. Undefined when nothing is.
 */
export const idTokenClaimsProblem = (
  claims: Record<string, unknown> | undefined,
  issuer: string,
  clientId: string,
  expect: IdTokenExpectations,
  nowSec: number,
): string | undefined => {
  if (!claims) return 'it is not a JWT';
  if (claims.iss !== issuer) return `it was issued by ${JSON.stringify(claims.iss)}, not by ${issuer}`;
  const audiences = audienceList(claims.aud);
  const wanted = expect.audiences ?? [clientId];
  if (!audiences.some((aud) => wanted.includes(aud)))
    return `it is for ${audiences.join(', ') || 'no audience'}, not ${wanted.join(' or ')}`;
  if (claims.azp !== undefined && claims.azp !== clientId) return `it was issued to ${JSON.stringify(claims.azp)} (azp), not ${clientId}`;
  if (audiences.length > 1 && claims.azp === undefined) return `it is for several audiences (${audiences.join(', ')}) and names no azp`;
  if (typeof claims.sub !== 'string' || claims.sub === '') return 'it has no sub';
  if (typeof claims.exp !== 'number') return 'it has no exp';
  if (claims.exp <= nowSec) return `it expired ${Math.round(nowSec - claims.exp)} s ago`;
  if (typeof claims.nbf === 'number' && claims.nbf > nowSec + NBF_LEEWAY_SEC)
    return `it is not valid for ${Math.round(claims.nbf - nowSec)} s (nbf)`;
  if (typeof claims.iat !== 'number') return 'it has no iat';
  if (claims.iat > nowSec + IAT_LEEWAY_SEC) return `it says it was issued ${Math.round(claims.iat - nowSec)} s from now (iat)`;
  if (expect.nonce !== undefined && claims.nonce !== expect.nonce) return 'its nonce is not the one the login sent';
  if (expect.subject !== undefined && claims.sub !== expect.subject) {
    return `it is for sub ${JSON.stringify(claims.sub)}, not this session's ${JSON.stringify(expect.subject)} (a refresh must keep the subject)`;
  }
  return undefined;
};

/**
 * The tokens of an answer, its ID token (when it has one) checked as kube-apiserver will — the signature against the
 * IdP's keys, then the claims (idTokenClaimsProblem) — so that a forged, foreign, expired or misdirected token is never
 * cached or printed. The one check of every grant: code, device, password, client credentials, refresh, token exchange.
 * An answer that fails keeps nothing; only one whose keys could not be fetched keeps what it carried (it may well be
 * good). `what` names the answer ("the refresh answer").
 */
export const verifiedTokens = async (
  provider: Provider,
  tokens: TokenSet,
  what: string,
  expect: IdTokenExpectations = {},
): Promise<TokenSet> => {
  if (!tokens.idToken) return tokens;
  const { idToken, ...keep } = tokens;
  let problem: string | undefined;
  try {
    problem = await idTokenSignatureProblem(provider, idToken);
  } catch (err) {
    if (err instanceof PluginError && err.code === 'interrupted') {
      throw new AnswerRejected('interrupted', err.message, keep, { cause: err, ...(err.exitCode ? { exitCode: err.exitCode } : {}) });
    }
    throw new AnswerRejected(
      'keys_unavailable',
      `the ID token of ${what} cannot be verified: ${err instanceof Error ? err.message : String(err)}`,
      keep,
      { hint: 'the session is kept; run the command again once the IdP serves its keys', cause: err, unverified: tokens },
    );
  }
  problem ??= idTokenClaimsProblem(
    jwtClaims(idToken),
    provider.config.serverMetadata().issuer,
    provider.options.clientId,
    expect,
    provider.clock.now() / 1000,
  );
  if (problem) throw new AnswerRejected('idp_error', `the ID token of ${what} does not verify: ${problem}`, {}, { unverified: tokens });
  return tokens;
};
