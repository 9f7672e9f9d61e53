import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContext } from 'node:tls';
import { PluginError } from '../errors.js';
import { debug } from '../log.js';
import type { ProviderOptions } from '../options/types.js';
import { keepFailedAnswers } from './failed-answer.js';
import type { Fetch } from './transport.js';

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

/**
 * Node's roots (with NODE_EXTRA_CA_CERTS) plus the extra CAs: added to a default secure context (~1 ms), since passing
 * all roots as `ca` would make OpenSSL parse them again (~30 ms).
 */
const trustContext = (extraCAs: string[]): SecureContext => {
  const context = createSecureContext();
  for (const pem of extraCAs) context.context.addCACert(pem);
  return context;
};

const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'];

/**
 * fetch for everything sent to the IdP, with the user's extra request headers, custom CAs and --insecure-skip-tls-verify.
 * Direct connections go through node:https; HTTPS_PROXY/HTTP_PROXY (with NO_PROXY) need undici's proxy agent, which
 * costs some 90 ms to load, so it is imported only then.
 */
export const createFetch = async (provider: ProviderOptions): Promise<Fetch> => {
  if (provider.tlsRenegotiationOnce || provider.tlsRenegotiationFreely) {
    debug(
      '--tls-renegotiation-once/--tls-renegotiation-freely are accepted for kubelogin kubeconfigs: Node.js answers renegotiation itself',
    );
  }
  const tls = { secureContext: trustContext(extraCertificateAuthorities(provider)), rejectUnauthorized: !provider.insecureSkipTlsVerify };
  const proxied = PROXY_VARIABLES.some((name) => process.env[name]);
  const base = keepFailedAnswers(
    proxied ? (await import('./undici-fetch.js')).undiciFetch(tls) : (await import('./https-fetch.js')).httpsFetch(tls),
  );
  const extraHeaders = Object.entries(provider.requestHeaders);
  if (extraHeaders.length === 0) return base;
  return (url, init = {}) => {
    const headers = new Headers(init.headers);
    for (const [name, value] of extraHeaders) headers.set(name, value);
    return base(url, { ...init, headers });
  };
};
