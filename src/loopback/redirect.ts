import { PluginError } from '../errors.js';
import { type ListenAddress, LOOPBACK_HOSTS, parseListenAddress } from '../options/listen-address.js';

/** kubelogin's defaults, which existing IdP registrations were made for. */
export const DEFAULT_LISTEN_ADDRESSES = ['127.0.0.1:8000', '127.0.0.1:18000'];

/** A fixed --oidc-redirect-url must be a loopback http URL; its port is where the browser will come back. */
export const parseRedirectUrl = (text: string): URL => {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new PluginError('usage', `--oidc-redirect-url is not a URL: ${text}`);
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (url.protocol !== 'http:' || !LOOPBACK_HOSTS.has(host)) {
    throw new PluginError(
      'usage',
      `--oidc-redirect-url must be an http URL on localhost, 127.0.0.1 or [::1]: ${text}`,
      'the browser hands the code to this plugin on your machine (RFC 8252 loopback redirect)',
    );
  }
  return url;
};

/** Which addresses to try: the user's, else the port of a fixed redirect URL, else 8000 then 18000. */
export const listenPlan = (listenAddresses: string[], redirectUrl: string | undefined): ListenAddress[] => {
  if (listenAddresses.length > 0) return listenAddresses.map(parseListenAddress);
  if (redirectUrl) {
    const url = parseRedirectUrl(redirectUrl);
    return [{ host: '127.0.0.1', port: Number(url.port || 80) }];
  }
  return DEFAULT_LISTEN_ADDRESSES.map(parseListenAddress);
};

export interface RedirectTarget {
  /** Sent to the IdP byte for byte, in the authorization and the token request. */
  redirectUri: string;
  /** The path the callback arrives on. */
  path: string;
  /** Host header values the callback may carry. */
  allowedHosts: Set<string>;
}

/**
 * The redirect URI for a bound port: the fixed --oidc-redirect-url, else http://<hostname>:<port> (kubelogin's default
 * host), https with --local-server-cert.
 */
export const redirectTarget = (
  redirectUrl: string | undefined,
  boundPort: number,
  hostname = 'localhost',
  scheme = 'http',
): RedirectTarget => {
  const local = [`localhost:${boundPort}`, `127.0.0.1:${boundPort}`, `[::1]:${boundPort}`];
  if (!redirectUrl) {
    return {
      redirectUri: `${scheme}://${hostname}:${boundPort}`,
      path: '/',
      allowedHosts: new Set([`${hostname}:${boundPort}`, ...local]),
    };
  }
  const url = parseRedirectUrl(redirectUrl);
  return { redirectUri: redirectUrl, path: url.pathname, allowedHosts: new Set([url.host, ...local]) };
};
