import { PluginError } from '../errors.js';
import type { Fetch } from './transport.js';

/** A redirect taken on the way to a document. */
export interface Hop {
  status: number;
  location: string;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** As many as Go's HTTP client follows (kube-apiserver and kubelogin read discovery and keys with it). */
const MAX_REDIRECTS = 10;

const MEDIA_TYPE = /^[^;]*/;

/** "HTTP 301 → https://idp/x/, HTTP 302 → https://idp/y" */
export const describeHops = (hops: readonly Hop[]): string => hops.map((hop) => `HTTP ${hop.status} → ${hop.location}`).join(', ');

/**
 * A 200 answer whose body is JSON reads as JSON whatever its Content-Type says (`Application/JSON ; charset=UTF-8`, a
 * static bucket's `application/octet-stream`), as go-oidc reads it; openid-client compares the media type exactly.
 */
const asJson = async (response: Response): Promise<Response> => {
  const type = response.headers.get('content-type') ?? '';
  const media = MEDIA_TYPE.exec(type)?.[0]?.trim().toLowerCase() ?? '';
  if (response.status !== 200 || media === 'application/json') return response;
  const body = await response.text();
  try {
    JSON.parse(body);
  } catch {
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  }
  const headers = new Headers(response.headers);
  headers.set('content-type', 'application/json');
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
};

/**
 * GETs of the IdP's public documents (discovery, JWKS) as Go's client makes them: 301, 302, 303, 307 and 308 are
 * followed, at most 10, never from https to http, a loop ended when it comes round. `hops` collects the redirects taken,
 * for the message of whatever fails at the end of them. The token, device and revocation endpoints keep
 * openid-client's refusal of redirects: this is only for documents anyone may read.
 */
export const documentFetch =
  (fetch: Fetch, what: string, hops: Hop[] = []): Fetch =>
  async (url, init = {}) => {
    const visited = new Set([url]);
    let current = url;
    for (;;) {
      const response = await fetch(current, { ...init, redirect: 'manual' });
      if (!REDIRECTS.has(response.status)) return asJson(response);
      await response.body?.cancel().catch(() => undefined);
      const location = response.headers.get('location');
      const failed = (why: string): PluginError =>
        new PluginError(
          'issuer_invalid',
          `${what} (GET ${url}) failed: ${why}`,
          'check --oidc-issuer-url, and the redirects of the IdP or the proxy in front of it',
        );
      if (!location) throw failed(`${describeHops(hops)}${hops.length ? ', then ' : ''}HTTP ${response.status} without a Location`);
      let next: URL;
      try {
        next = new URL(location, current);
      } catch {
        throw failed(`HTTP ${response.status} to "${location}", which is not a URL`);
      }
      hops.push({ status: response.status, location: next.href });
      if (new URL(current).protocol === 'https:' && next.protocol !== 'https:') {
        throw failed(`${describeHops(hops)}: a redirect from https to ${next.protocol.replace(':', '')} is not followed`);
      }
      if (visited.has(next.href)) throw failed(`${describeHops(hops)}: the redirects go round in a loop`);
      if (hops.length > MAX_REDIRECTS) throw failed(`more than ${MAX_REDIRECTS} redirects (${describeHops(hops.slice(-2))})`);
      visited.add(next.href);
      current = next.href;
    }
  };
