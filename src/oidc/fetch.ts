import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContext } from 'node:tls';
import { PluginError } from '../errors.js';
import { interruption } from '../interrupt.js';
import type { Logger } from '../log.js';
import type { ProviderOptions } from '../options/types.js';
import { keepFailedAnswers } from './failed-answer.js';
import { rootsToAdd, systemRoots } from './system-roots.js';
import { Deadline, type Fetch, Oversized } from './transport.js';

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** The certificates of a PEM text; undefined when it holds none, or one that does not parse. */
const pemCertificates = (text: string): string[] | undefined => {
  const blocks = text.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0) return undefined;
  const { X509Certificate } = process.getBuiltinModule('node:crypto');
  try {
    for (const block of blocks) new X509Certificate(block);
  } catch {
    return undefined;
  }
  return blocks;
};

/**
 * Extra CAs extend Node's trust store (as kubelogin's --certificate-authority extends the system pool). A file or value
 * that is not PEM certificates is named in one line: the runtime would drop it silently (Node) or fail without a name
 * (Bun).
 */
export const extraCertificateAuthorities = (provider: ProviderOptions): string[] => {
  const pems: string[] = [];
  const fix = "give the IdP's CA certificate in PEM (-----BEGIN CERTIFICATE-----), e.g. from `openssl x509 -in FILE -outform PEM`";
  for (const file of provider.certificateAuthorityFiles) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new PluginError(
        'usage',
        `cannot read --certificate-authority ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
    const certificates = pemCertificates(text);
    if (!certificates) throw new PluginError('usage', `--certificate-authority ${file} is not a PEM certificate`, fix);
    pems.push(...certificates);
  }
  for (const data of provider.certificateAuthorityData) {
    const certificates = pemCertificates(Buffer.from(data, 'base64').toString('utf8'));
    if (!certificates) throw new PluginError('usage', '--certificate-authority-data is not a base64-encoded PEM certificate', fix);
    pems.push(...certificates);
  }
  return pems;
};

/**
 * The runtime's roots (with NODE_EXTRA_CA_CERTS), the OS's roots it lacks, and the extra CAs: added to a default secure
 * context, since passing all roots as `ca` would make OpenSSL parse them again (~30 ms).
 */
const trustContext = (extraCAs: string[], log: Logger): SecureContext => {
  const context = createSecureContext();
  const fromSystem = rootsToAdd(systemRoots(process.env, log));
  if (fromSystem.length > 0) log.debug(`trusting ${fromSystem.length} CA(s) of the OS trust store beyond the runtime's own`);
  const added = [...fromSystem, ...extraCAs];
  // A context given a CA of its own gets a store of its own: the runtime's roots, without NODE_EXTRA_CA_CERTS's.
  if (added.length > 0) added.push(...nodeExtraCertificates(process.env));
  for (const pem of added) context.context.addCACert(pem);
  return context;
};

/** The CAs of NODE_EXTRA_CA_CERTS (the runtime says itself when the file cannot be read). */
const nodeExtraCertificates = (env: NodeJS.ProcessEnv): string[] => {
  if (!env.NODE_EXTRA_CA_CERTS) return [];
  try {
    return [readFileSync(env.NODE_EXTRA_CA_CERTS, 'utf8')];
  } catch {
    return [];
  }
};

/** No answer an IdP sends for a login is anywhere near this. */
const BODY_LIMIT = 4 * 1024 * 1024;

/**
 * The body, read up to BODY_LIMIT; `done` once it is read whole or fails, so that the deadline stops. A body cut
 * short by the deadline or a signal fails with that reason, not with the socket error it caused.
 */
const limitedBody = (response: Response, host: string, signal: AbortSignal, done: () => void): Response => {
  if (!response.body) {
    done();
    return response;
  }
  const reader = response.body.getReader();
  let size = 0;
  const body = new ReadableStream<Uint8Array>({
    pull: async (controller) => {
      try {
        const { done: finished, value } = await reader.read();
        size += value?.byteLength ?? 0;
        if (finished) {
          done();
          controller.close();
        } else if (size > BODY_LIMIT) {
          done();
          controller.error(new Oversized(host, BODY_LIMIT));
          await reader.cancel().catch(() => undefined);
        } else {
          controller.enqueue(value);
        }
      } catch (err) {
        done();
        controller.error(signal.aborted ? signal.reason : err);
      }
    },
    cancel: async (reason) => {
      done();
      await reader.cancel(reason);
    },
  });
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
};

/**
 * Every request to the IdP ends within `seconds`, body included, or when the run is interrupted (SIGINT, SIGTERM,
 * SIGHUP): a stalled server (accepting and never answering, headers then nothing, a body one byte at a time) is given
 * up with a line that names it.
 */
const withDeadline =
  (fetch: Fetch, seconds: number, log: Logger): Fetch =>
  async (url, init = {}) => {
    const host = new URL(url).host;
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new Deadline(host, seconds, 'answer')), seconds * 1000);
    const done = (): void => clearTimeout(timer);
    const signal = AbortSignal.any([deadline.signal, interruption(log), ...(init.signal ? [init.signal] : [])]);
    try {
      return limitedBody(await fetch(url, { ...init, signal }), host, signal, done);
    } catch (err) {
      done();
      throw err;
    }
  };

const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'];

/**
 * fetch for everything sent to the IdP, with the user's extra request headers, custom CAs and --insecure-skip-tls-verify.
 * Direct connections go through node:https; HTTPS_PROXY/HTTP_PROXY (with NO_PROXY) need undici's proxy agent, which
 * costs some 90 ms to load, so it is imported only then.
 */
export const createFetch = async (provider: ProviderOptions, log: Logger): Promise<Fetch> => {
  if (provider.tlsRenegotiationOnce || provider.tlsRenegotiationFreely) {
    log.debug(
      '--tls-renegotiation-once/--tls-renegotiation-freely are accepted for kubelogin kubeconfigs: Node.js answers renegotiation itself',
    );
  }
  const tls = {
    secureContext: trustContext(extraCertificateAuthorities(provider), log),
    rejectUnauthorized: !provider.insecureSkipTlsVerify,
    connectTimeoutMs: Math.min(10, provider.requestTimeoutSec) * 1000,
  };
  const proxied = PROXY_VARIABLES.some((name) => process.env[name]);
  const transport = proxied ? (await import('./undici-fetch.js')).undiciFetch(tls) : (await import('./https-fetch.js')).httpsFetch(tls);
  const base = keepFailedAnswers(withDeadline(transport, provider.requestTimeoutSec, log));
  const extraHeaders = Object.entries(provider.requestHeaders);
  if (extraHeaders.length === 0) return base;
  return (url, init = {}) => {
    const headers = new Headers(init.headers);
    for (const [name, value] of extraHeaders) headers.set(name, value);
    return base(url, { ...init, headers });
  };
};
