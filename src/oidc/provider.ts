import * as client from 'openid-client';
import { PluginError } from '../errors.js';
import type { ProviderOptions } from '../options.js';
import { debug } from '../log.js';
import { translateError } from './errors.js';
import { createFetch, type Fetch } from './fetch.js';

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
    throw new PluginError('usage', `--oidc-issuer-url is not a URL: ${issuerUrl}`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))) {
    throw new PluginError('usage', `--oidc-issuer-url must use https (kube-apiserver accepts only https issuers): ${issuerUrl}`);
  }
  return url;
};

/** RFC 6749 §2.3.1: client_secret_basic is the default; use post only when the IdP does not offer basic. */
const clientAuthentication = (secret: string | undefined): client.ClientAuth => {
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
  const e = err as { code?: string; cause?: { attribute?: string; body?: { issuer?: unknown } } };
  if (e.code !== 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED' || e.cause?.attribute !== 'issuer') return undefined;
  const discovered = String(e.cause.body?.issuer);
  const slash = discovered.replace(/\/$/, '') === configured.replace(/\/$/, '') ? ' (the trailing slash matters)' : '';
  return new PluginError(
    'issuer_mismatch',
    `the IdP's discovery document names issuer "${discovered}" but --oidc-issuer-url is "${configured}"${slash}`,
    `use --oidc-issuer-url=${discovered}, and the same URL in kube-apiserver's issuer setting`,
  );
};

/** OpenID Connect discovery with the user's TLS, proxy and header settings. */
export const discover = async (options: ProviderOptions): Promise<Provider> => {
  const issuer = parseIssuer(options.issuerUrl);
  const fetch = createFetch(options);
  const execute = issuer.protocol === 'http:' ? [client.allowInsecureRequests] : [];
  debug(`discovering ${issuer.href}`);
  try {
    const config = await client.discovery(issuer, options.clientId, undefined, clientAuthentication(options.clientSecret), {
      [client.customFetch]: fetch as client.CustomFetch,
      execute,
      timeout: 30,
    });
    return { config, fetch, options };
  } catch (err) {
    throw mismatchError(err, options.issuerUrl) ?? discoveryError(err, issuer);
  }
};

const discoveryError = (err: unknown, issuer: URL): PluginError => {
  const code = (err as { code?: string }).code;
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
