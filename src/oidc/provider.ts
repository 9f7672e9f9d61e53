import type { JSONWebKeySet } from 'jose';
import * as client from 'openid-client';
import type { Ambient } from '../ambient.js';
import { PluginError } from '../errors.js';
import type { ProviderOptions } from '../options/types.js';
import { type ClientAuthenticator, clientAuthenticator, isSecretMethod } from './client-auth.js';
import { describeHops, documentFetch, type Hop } from './documents.js';
import { clientErrorCode, translateError } from './errors.js';
import { describeAnswer, failedAnswerOf } from './failed-answer.js';
import { createFetch } from './fetch.js';
import type { Fetch } from './transport.js';

/** The IdP as this run talks to it, with the run's clock and logger. */
export interface Provider extends Ambient {
  config: client.Configuration;
  fetch: Fetch;
  options: ProviderOptions;
  /** How the client authenticates at the token endpoint; what worked there is worth remembering for this issuer. */
  authenticator: ClientAuthenticator;
  /** The same IdP and transport with another client authentication (the revocation endpoint's). */
  configurationWith(auth: client.ClientAuth): client.Configuration;
  /**
   * A configuration of its own for one request whose exchange is looked at or changed on the way (`fetch` wraps this
   * provider's): the shared one is never changed, so requests in flight at once (auto's race) do not see each other's.
   */
  fetchingWith(fetch: Fetch): client.Configuration;
  /** The IdP's keys as last seen (cached with the discovery document); replaced when a key is missing from them. */
  jwks?: JSONWebKeySet;
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

const mismatchError = (err: unknown, configured: string): PluginError | undefined => {
  // openid-client's ClientError for a discovery document that names another issuer: its cause is the comparison.
  if (clientErrorCode(err) !== 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED') return undefined;
  const cause = (err as client.ClientError).cause as { attribute?: string; body?: { issuer?: unknown } } | undefined;
  if (cause?.attribute !== 'issuer') return undefined;
  return issuerMismatch(String(cause.body?.issuer), configured);
};

const issuerMismatch = (discovered: string, configured: string): PluginError => {
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
  /** Set when the document was fetched now (not reused): what to cache, for how long, and the IdP's Date header. */
  fetched?: { metadata: IssuerMetadata; maxAgeSec: number; date?: string };
}

/** What an earlier run learned about this issuer: its discovery document while fresh, the client authentication that worked. */
export interface IssuerMemory {
  metadata?: IssuerMetadata | undefined;
  clientAuth?: string | undefined;
  jwks?: JSONWebKeySet | undefined;
}

/**
 * The provider for these options: from a cached discovery document when one is given (so a refresh costs one request
 * to the token endpoint), else by OpenID Connect discovery with the user's TLS, proxy and header settings.
 */
export const discover = async (
  options: ProviderOptions,
  memory: IssuerMemory,
  ambient: Ambient,
  /** setup reports a discovery document that names another issuer itself, and goes on to show what follows. */
  { reportMismatch = false } = {},
): Promise<Discovery> => {
  const issuer = parseIssuer(options.issuerUrl);
  const { clock, log } = ambient;
  const fetch = await createFetch(options, log);
  const execute = issuer.protocol === 'http:' ? [client.allowInsecureRequests] : [];
  const authenticator = clientAuthenticator(options, 'token', {
    remembered: isSecretMethod(memory.clientAuth) ? memory.clientAuth : undefined,
  });
  const configured = (config: client.Configuration, custom: Fetch): client.Configuration => {
    config[client.customFetch] = custom as client.CustomFetch;
    // Our own deadline (--idp-timeout-sec) ends each request first, with a line that names the host.
    config.timeout = options.requestTimeoutSec + 5;
    for (const extension of execute) extension(config);
    return config;
  };
  const finish = (config: client.Configuration): Provider => {
    configured(config, fetch);
    return {
      config,
      fetch,
      options,
      authenticator,
      clock,
      log,
      ...(memory.jwks ? { jwks: memory.jwks } : {}),
      configurationWith: (auth) => finish(new client.Configuration(config.serverMetadata(), options.clientId, undefined, auth)).config,
      fetchingWith: (custom) =>
        configured(new client.Configuration(config.serverMetadata(), options.clientId, undefined, authenticator.auth), custom),
    };
  };
  if (memory.metadata) {
    log.debug(`using the cached discovery document of ${issuer.href}`);
    return {
      provider: finish(new client.Configuration(memory.metadata as client.ServerMetadata, options.clientId, undefined, authenticator.auth)),
    };
  }
  log.debug(`discovering ${issuer.href}`);
  let maxAgeSec = 0;
  let date: string | undefined;
  const hops: Hop[] = [];
  const document = documentFetch(fetch, 'the discovery request', hops);
  const observing: Fetch = async (url, init) => {
    const response = await document(url, init);
    maxAgeSec = freshnessSec(response.headers, clock.now());
    date = response.headers.get('date') ?? undefined;
    return response;
  };
  try {
    const config = await client.discovery(issuer, options.clientId, undefined, authenticator.auth, {
      [client.customFetch]: observing as client.CustomFetch,
      execute,
      timeout: options.requestTimeoutSec + 5,
    });
    const metadata = { ...config.serverMetadata() };
    // openid-client compares URLs, so "https://idp" and "https://idp/" pass; kube-apiserver compares strings.
    if (metadata.issuer !== options.issuerUrl && !reportMismatch) throw issuerMismatch(metadata.issuer, options.issuerUrl);
    return { provider: finish(config), fetched: { metadata, maxAgeSec, ...(date ? { date } : {}) } };
  } catch (err) {
    throw mismatchError(err, options.issuerUrl) ?? discoveryError(err, issuer, hops);
  }
};

const discoveryError = (err: unknown, issuer: URL, hops: readonly Hop[]): PluginError => {
  const code = clientErrorCode(err);
  if (code === 'OAUTH_RESPONSE_IS_NOT_CONFORM' || code === 'OAUTH_RESPONSE_IS_NOT_JSON' || code === 'OAUTH_PARSE_ERROR') {
    const answer = failedAnswerOf(err);
    const said = [...(hops.length ? [describeHops(hops)] : []), ...(answer ? [describeAnswer(answer)] : [])].join(', then ');
    return new PluginError(
      'issuer_invalid',
      `no OpenID Connect discovery document at ${issuer.href.replace(/\/$/, '')}/.well-known/openid-configuration` +
        (said ? ` (${said})` : ''),
      'check --oidc-issuer-url: it must be the issuer itself, exactly as the IdP names it',
      { cause: err },
    );
  }
  return translateError(err, 'OpenID discovery', issuer.href);
};
