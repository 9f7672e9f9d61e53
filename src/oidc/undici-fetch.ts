import { createSecureContext } from 'node:tls';
import { EnvHttpProxyAgent, fetch as undiciFetchImpl } from 'undici';
import type { Fetch } from './fetch.js';

/**
 * undici's fetch through an agent that honours HTTPS_PROXY/HTTP_PROXY/NO_PROXY, trusting Node's roots (with
 * NODE_EXTRA_CA_CERTS) plus the extra CAs. Adding them to a default secure context costs ~1 ms; passing all roots as
 * `ca` would make OpenSSL parse them again (~30 ms).
 */
export const undiciFetch = (extraCAs: string[], insecureSkipTlsVerify: boolean): Fetch => {
  const secureContext = createSecureContext();
  for (const pem of extraCAs) secureContext.context.addCACert(pem);
  const tls = { secureContext, rejectUnauthorized: !insecureSkipTlsVerify };
  const dispatcher = new EnvHttpProxyAgent({ connect: tls, requestTls: tls });
  return async (url, init = {}) =>
    (await undiciFetchImpl(url, { ...(init as object), dispatcher } as Parameters<typeof undiciFetchImpl>[1])) as unknown as Response;
};
