import { type Dirent, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import * as tls from 'node:tls';
import type { Logger } from '../log.js';

/** Where Linux distributions and the BSDs keep the OpenSSL bundle, in the order Go's crypto/x509 looks. */
const BUNDLES = [
  '/etc/ssl/certs/ca-certificates.crt', // Debian, Ubuntu, Gentoo, Arch
  '/etc/pki/tls/certs/ca-bundle.crt', // Fedora, RHEL
  '/etc/ssl/ca-bundle.pem', // openSUSE
  '/etc/pki/tls/cacert.pem', // OpenELEC
  '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem', // CentOS, RHEL 7
  '/etc/ssl/cert.pem', // Alpine, the BSDs
];

const PEM = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

const readable = (file: string): string | undefined => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
};

/**
 * A link to a file beside it, as c_rehash makes for every certificate (`<hash>.0`): read once through its own name, as
 * Go's crypto/x509 does (readUniqueDirectoryEntries). /etc/ssl/certs holds ~290 entries, half of them such links.
 */
const isSameDirLink = (dir: string, entry: Dirent): boolean => {
  if (!entry.isSymbolicLink()) return false;
  try {
    return !readlinkSync(join(dir, entry.name)).includes('/');
  } catch {
    return false;
  }
};

/** The OpenSSL bundle and directory, as Go reads them: SSL_CERT_FILE or the first bundle there is, and SSL_CERT_DIR. */
const openSslRoots = (env: NodeJS.ProcessEnv): string[] => {
  const files = env.SSL_CERT_FILE ? [env.SSL_CERT_FILE] : BUNDLES;
  const bundle = files.map(readable).find((text) => text !== undefined) ?? '';
  const dirs = (env.SSL_CERT_DIR ?? '').split(':').filter(Boolean);
  const inDirs = dirs.flatMap((dir) => {
    try {
      return readdirSync(dir, { withFileTypes: true })
        .filter((entry) => !isSameDirLink(dir, entry))
        .map((entry) => readable(join(dir, entry.name)) ?? '');
    } catch {
      return [];
    }
  });
  return [bundle, ...inDirs].flatMap((text) => text.match(PEM) ?? []);
};

/**
 * The CAs the operating system trusts (a corporate root that TLS inspection needs is put there): the runtime's own
 * reading of the OS store where it has one (Bun; Node from 22.15: macOS keychains, Windows stores, the OpenSSL files),
 * else on Linux and the BSDs the OpenSSL bundle and directory. Node 20 on macOS and Windows cannot read the store: said
 * under -v, and --certificate-authority or NODE_EXTRA_CA_CERTS do it.
 */
export const systemRoots = (env: NodeJS.ProcessEnv, log: Logger): string[] => {
  const runtime = tls as { getCACertificates?: (type: 'system') => string[] };
  if (typeof runtime.getCACertificates === 'function') return runtime.getCACertificates('system');
  if (process.platform === 'win32' || process.platform === 'darwin') {
    log.debug(
      `Node ${process.versions.node} cannot read the OS trust store here (from 22.15 it can): only its own roots, ` +
        'NODE_EXTRA_CA_CERTS and --certificate-authority are trusted',
    );
    return [];
  }
  return openSslRoots(env);
};

const body = (pem: string): string => pem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s/g, '');

/** Of the OS's roots, those the runtime's own set lacks (a corporate CA): only these need adding to a context. */
export const rootsToAdd = (system: string[]): string[] => {
  const known = new Set(tls.rootCertificates.map(body));
  return system.filter((pem) => !known.has(body(pem)));
};
