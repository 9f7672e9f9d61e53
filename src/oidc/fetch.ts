import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { EnvHttpProxyAgent, fetch as undiciFetch } from 'undici';
import { PluginError } from '../errors.js';
import type { ProviderOptions } from '../options.js';

export type Fetch = (url: string, init?: RequestInit) => Promise<Response>;

/** Extra CAs extend Node's trust store (as kubelogin's --certificate-authority extends the system pool). */
export const extraCertificateAuthorities = (provider: ProviderOptions): string[] => {
  const pems: string[] = [];
  for (const file of provider.certificateAuthorityFiles) {
    try {
      pems.push(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new PluginError(
        'usage',
        `cannot read --certificate-authority ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
  }
  for (const data of provider.certificateAuthorityData) {
    const pem = Buffer.from(data, 'base64').toString('utf8');
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
      throw new PluginError('usage', '--certificate-authority-data is not base64-encoded PEM');
    }
    pems.push(pem);
  }
  return pems;
};

/** An explicit `ca` replaces Node's defaults, NODE_EXTRA_CA_CERTS included, so both are added back. */
const trustStore = (extra: string[]): string[] | undefined => {
  if (extra.length === 0) return undefined;
  const nodeExtra = process.env.NODE_EXTRA_CA_CERTS;
  const fromEnv = nodeExtra ? [readFileSync(nodeExtra, 'utf8')] : [];
  return [...rootCertificates, ...fromEnv, ...extra];
};

/**
 * fetch for everything sent to the IdP: custom CAs, --insecure-skip-tls-verify, HTTPS_PROXY/HTTP_PROXY/NO_PROXY,
 * and the user's extra request headers.
 */
export const createFetch = (provider: ProviderOptions): Fetch => {
  const tls = { ca: trustStore(extraCertificateAuthorities(provider)), rejectUnauthorized: !provider.insecureSkipTlsVerify };
  const dispatcher = new EnvHttpProxyAgent({ connect: tls, requestTls: tls });
  const extraHeaders = Object.entries(provider.requestHeaders);
  return async (url, init = {}) => {
    const headers = new Headers(init.headers);
    for (const [name, value] of extraHeaders) headers.set(name, value);
    const response = await undiciFetch(url, { ...(init as object), headers, dispatcher } as Parameters<typeof undiciFetch>[1]);
    return response as unknown as Response;
  };
};
