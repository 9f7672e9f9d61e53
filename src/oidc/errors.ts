import { isPluginError, oneLine, PluginError } from '../errors.js';

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_UNTRUSTED',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);

/** Walks the cause chain for the first Node/undici error code. */
const causeCode = (err: unknown): string | undefined => {
  for (let current = err, depth = 0; current && depth < 6; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && (TLS_CODES.has(code) || NETWORK_CODES.has(code))) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
};

/** "fetch failed" says nothing: name the innermost cause too. */
const describeChain = (err: unknown): string => {
  const messages: string[] = [];
  for (let current = err, depth = 0; current instanceof Error && depth < 6; depth++) {
    messages.push(oneLine(current.message));
    current = current.cause;
  }
  return messages.length > 0 ? messages.join(': ') : String(err);
};

interface OAuthErrorShape {
  name?: string;
  code?: string;
  error?: string;
  error_description?: string;
  status?: number;
  cause?: unknown;
}

/** Translates what openid-client, undici or an IdP threw into one clear line for a user. `what` names the request. */
export const translateError = (err: unknown, what: string, url: string): PluginError => {
  if (isPluginError(err)) return err;
  const e = (err ?? {}) as OAuthErrorShape;
  const code = causeCode(err);
  if (code && TLS_CODES.has(code)) {
    return new PluginError(
      'tls',
      `${what} failed: TLS error talking to ${new URL(url).origin} (${code})`,
      'pass the CA that signed the IdP certificate with --certificate-authority FILE or --certificate-authority-data',
      { cause: err },
    );
  }
  if (code) {
    return new PluginError(
      'issuer_unreachable',
      `${what} failed: cannot reach ${new URL(url).origin} (${code})`,
      'check the issuer URL, your network, and HTTPS_PROXY/NO_PROXY',
      { cause: err },
    );
  }
  // openid-client wraps the DOMException of its 30 s timeout signal (OAUTH_TIMEOUT); our own requests throw it as is.
  if ([e.code, e.name, (e.cause as OAuthErrorShape | undefined)?.name].some((name) => name === 'OAUTH_TIMEOUT' || name === 'TimeoutError')) {
    return new PluginError('issuer_unreachable', `${what} failed: ${new URL(url).origin} did not answer in time`, 'check that the IdP is up and reachable from here', {
      cause: err,
    });
  }
  // A 401 with WWW-Authenticate (e.g. a wrong client secret with client_secret_basic) carries the OAuth error there.
  const challenge = Array.isArray(e.cause) ? (e.cause[0] as { parameters?: { error?: string; error_description?: string } } | undefined) : undefined;
  if (challenge?.parameters?.error) {
    e.error = challenge.parameters.error;
    e.error_description = challenge.parameters.error_description;
  }
  if (typeof e.error === 'string') {
    const description = e.error_description ? `: ${oneLine(e.error_description)}` : '';
    const redirect = /redirect_uri/i.test(`${e.error} ${e.error_description ?? ''}`);
    return new PluginError(
      redirect ? 'redirect_uri_mismatch' : 'idp_error',
      `${what} failed: the IdP answered ${e.error}${description}`,
      redirect ? 'register the exact redirect URI at the IdP or pass the registered one with --oidc-redirect-url' : undefined,
      { cause: err },
    );
  }
  return new PluginError('idp_error', `${what} failed: ${describeChain(err)}`, undefined, { cause: err });
};
