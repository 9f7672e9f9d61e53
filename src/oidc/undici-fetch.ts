import { EnvHttpProxyAgent, fetch as undiciFetchImpl } from 'undici';
import type { Fetch, TlsSettings } from './transport.js';

/** undici's fetch through an agent that honours HTTPS_PROXY/HTTP_PROXY/NO_PROXY. */
export const undiciFetch = (tls: TlsSettings): Fetch => {
  const { connectTimeoutMs, ...verify } = tls;
  const dispatcher = new EnvHttpProxyAgent({ connect: { ...verify, timeout: connectTimeoutMs }, requestTls: verify });
  return async (url, init = {}) =>
    (await undiciFetchImpl(url, { ...(init as object), dispatcher } as Parameters<typeof undiciFetchImpl>[1])) as unknown as Response;
};
