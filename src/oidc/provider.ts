import { readFileSync } from 'node:fs';
import * as client from 'openid-client';
import { PluginError } from '../errors.js';
import { debug } from '../log.js';
import type { ProviderOptions } from '../options/types.js';
import { clientErrorCode, translateError } from './errors.js';
import { createFetch } from './fetch.js';
import type { Fetch } from './transport.js';

export interface Provider {
  config: client.Configuration;
  fetch: Fetch;
  options: ProviderOptions;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

const parseIssuer = (issuerUrl: string): URL => {
  let url: URL;
  try {
    url = new URL(issuerUrl);
  } catch {
    throw new PluginError('usage', `--oidc-issuer-url is not a URL: "${issuerUrl}"`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))) {
    throw new PluginError('usage', `--oidc-issuer-url must use https (kube-apiserver accepts only https issuers): ${issuerUrl}`);
  }
  return url;
};

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** A client assertion made by someone else (a projected service-account token), read afresh: it rotates. */
const clientAssertion =
  (file: string): client.ClientAuth =>
  (_as, c, body) => {
    let assertion: string;
    try {
      assertion = readFileSync(file, 'utf8').trim();
    } catch (err) {
      throw new PluginError(
        'usage',
        `cannot read --oidc-client-assertion-file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
    body.set('client_id', c.client_id);
    body.set('client_assertion_type', JWT_BEARER);
    body.set('client_assertion', assertion);
  };

/** RFC 6749 §2.3.1: client_secret_basic is the default; use post only when the IdP does not offer basic. */
const clientAuthentication = (secret: string | undefined, assertionFile?: string): client.ClientAuth => {
  if (assertionFile) return clientAssertion(assertionFile);
  if (secret === undefined) return client.None();
  const basic = client.ClientSecretBasic(secret);
  const post = client.ClientSecretPost(secret);
  return (as, c, body, headers) => {
    const methods = as.token_endpoint_auth_methods_supported;
    const useBasic = !methods || methods.includes('client_secret_basic') || !methods.includes('client_secret_post');
    return (useBasic ? basic : post)(as, c, body, headers);
  };
};

const mismatchError = (err: unknown, configured: string): PluginError | undefined => {
  // openid-client's ClientError for a discovery document that names another issuer: its cause is the comparison.
  if (clientErrorCode(err) !== 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED') return undefined;
  const cause = (err as client.ClientError).cause as { attribute?: string; body?: { issuer?: unknown } } | undefined;
  if (cause?.attribute !== 'issuer') return undefined;
  const discovered = String(cause.body?.issuer);
  const slash = discovered.replace(/\/$/, '') === configured.replace(/\/$/, '') ? ' (the trailing slash matters)' : '';
  return new PluginError(
    'issuer_mismatch',
    `the IdP's discovery document names issuer "${discovered}" but --oidc-issuer-url is "${configured}"${slash}`,
    `use --oidc-issuer-url=${discovered}, and the same URL in kube-apiserver's issuer setting`,
  );
};

/** How long a discovery document may be reused, from its Cache-Control or Expires headers; an hour when they are silent. */
export const freshnessSec = (headers: Headers, nowMs: number): number => {
  const cacheControl = headers.get('cache-control') ?? '';
  if (/no-store|no-cache/i.test(cacheControl)) return 0;
  const maxAge = /max-age=(\d+)/i.exec(cacheControl)?.[1];
  if (maxAge !== undefined) return Math.min(Number(maxAge), 86400);
  const expires = Date.parse(headers.get('expires') ?? '');
  if (!Number.isNaN(expires)) return Math.max(0, Math.min(Math.floor((expires - nowMs) / 1000), 86400));
  return 3600;
};

/** A discovery document as JSON, as it is cached. */
export type IssuerMetadata = Record<string, unknown> & { issuer: string };

export interface Discovery {
  provider: Provider;
  /** Set when the document was fetched now (not reused): what to cache, and for how long. */
  fetched?: { metadata: IssuerMetadata; maxAgeSec: number };
}

/**
 * The provider for these options: from a cached discovery document when one is given (so a refresh costs one request
 * to the token endpoint), else by OpenID Connect discovery with the user's TLS, proxy and header settings.
 */
export const discover = async (options: ProviderOptions, cached?: IssuerMetadata): Promise<Discovery> => {
  const issuer = parseIssuer(options.issuerUrl);
  const fetch = await createFetch(options);
  const execute = issuer.protocol === 'http:' ? [client.allowInsecureRequests] : [];
  const auth = clientAuthentication(options.clientSecret, options.clientAssertionFile);
  if (cached) {
    debug(`using the cached discovery document of ${issuer.href}`);
    const config = new client.Configuration(cached as client.ServerMetadata, options.clientId, undefined, auth);
    config[client.customFetch] = fetch as client.CustomFetch;
    config.timeout = 30;
    for (const extension of execute) extension(config);
    return { provider: { config, fetch, options } };
  }
  debug(`discovering ${issuer.href}`);
  let maxAgeSec = 0;
  const observing: Fetch = async (url, init) => {
    const response = await fetch(url, init);
    if (url.includes('/.well-known/openid-configuration')) maxAgeSec = freshnessSec(response.headers, Date.now());
    return response;
  };
  try {
    const config = await client.discovery(issuer, options.clientId, undefined, auth, {
      [client.customFetch]: observing as client.CustomFetch,
      execute,
      timeout: 30,
    });
    config[client.customFetch] = fetch as client.CustomFetch;
    return { provider: { config, fetch, options }, fetched: { metadata: { ...config.serverMetadata() }, maxAgeSec } };
  } catch (err) {
    throw mismatchError(err, options.issuerUrl) ?? discoveryError(err, issuer);
  }
};

const discoveryError = (err: unknown, issuer: URL): PluginError => {
  const code = clientErrorCode(err);
  if (code === 'OAUTH_RESPONSE_IS_NOT_CONFORM' || code === 'OAUTH_RESPONSE_IS_NOT_JSON' || code === 'OAUTH_PARSE_ERROR') {
    return new PluginError(
      'issuer_invalid',
      `no OpenID Connect discovery document at ${issuer.href.replace(/\/$/, '')}/.well-known/openid-configuration`,
      'check --oidc-issuer-url: it must be the issuer itself, exactly as the IdP names it',
      { cause: err },
    );
  }
  return translateError(err, 'OpenID discovery', issuer.href);
};
