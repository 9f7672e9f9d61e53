import { compactVerify, createLocalJWKSet, type JSONWebKeySet } from 'jose';
import { PluginError } from '../errors.js';
import { debug } from '../log.js';
import { translateError } from './errors.js';
import type { Provider } from './provider.js';

const fetchJwks = async (provider: Provider): Promise<JSONWebKeySet> => {
  const uri = provider.config.serverMetadata().jwks_uri;
  if (!uri) throw new PluginError('issuer_invalid', 'the discovery document has no jwks_uri to verify ID tokens with');
  try {
    const response = await provider.fetch(uri, { headers: { accept: 'application/json' } });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return (await response.json()) as JSONWebKeySet;
  } catch (err) {
    throw translateError(err, `the JWKS request (GET ${uri})`, uri);
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
  debug(cached ? 'the ID token is signed with a key the cached JWKS lacks; fetching the JWKS' : 'fetching the JWKS');
  provider.jwks = await fetchJwks(provider);
  const second = await attempt(provider.jwks);
  return second === 'ok' ? undefined : second === 'unknown key' ? 'no key of the IdP matches its signature' : second;
};
