import { compactVerify, createLocalJWKSet, type JSONWebKeySet } from 'jose';
import { PluginError } from '../errors.js';
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

/**
 * The tokens of an answer, its ID token (when it has one) verified against the IdP's keys as kube-apiserver will, so that
 * a forged or foreign-signed token is never cached or printed. `what` names the answer ("the refresh answer").
 */
export const verifiedTokens = async (provider: Provider, tokens: TokenSet, what: string): Promise<TokenSet> => {
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
  if (problem) throw new AnswerRejected('idp_error', `the ID token of ${what} does not verify: ${problem}`, keep, { unverified: tokens });
  return tokens;
};
