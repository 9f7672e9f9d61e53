import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestCertificates } from './certs.js';
import { freePort, start } from './process.js';

/**
 * LemonLDAP::NG, an OpenID Provider we did not write (Perl, packaged by Debian as `lemonldap-ng`), run by the tests
 * themselves: its portal (a PSGI app) under plackup over HTTPS on loopback, with its Demo user database (each user's
 * password is their name: dwho, rtyler, msmith) and a configuration made here from the package's default one.
 */
const PORTAL_PSGI = '/usr/share/lemonldap-ng/portal/htdocs/index.psgi';
const DEFAULT_CONFIG = '/var/lib/lemonldap-ng/conf/lmConf-1.json';
const DEFAULT_INI = '/etc/lemonldap-ng/lemonldap-ng.ini';

export const LLNG_PUBLIC_CLIENT = 'kubectl';
/** A public client left with LemonLDAP::NG's default of releasing claims in userinfo only. */
export const LLNG_USERINFO_CLIENT = 'kubectl-userinfo';
/** A confidential client whose id and secret change under form-encoding (RFC 6749 §2.3.1), as generated secrets do. */
export const LLNG_CONFIDENTIAL_CLIENT = 'ci-bot';
export const LLNG_CONFIDENTIAL_SECRET = 'Zx9_q-w.e~r-t_y';

/** Perl modules its portal loads at start that the package only recommends (Debian package → module). */
export const LLNG_PERL_MODULES: Record<string, string> = {
  'libplack-perl': 'Plack::Runner',
  'libgd-securityimage-perl': 'GD::SecurityImage',
  'libimage-magick-perl': 'Image::Magick',
  'libstring-random-perl': 'String::Random',
  'libio-string-perl': 'IO::String',
  'libio-socket-ssl-perl': 'IO::Socket::SSL',
};

/** What is missing to run it, for the e2e requirements. */
export const lemonldapMissing = (): string | undefined => {
  const installed =
    [PORTAL_PSGI, DEFAULT_CONFIG, DEFAULT_INI].every((path) => existsSync(path)) &&
    spawnSync(
      'perl',
      Object.values(LLNG_PERL_MODULES)
        .map((module) => `-M${module}`)
        .concat(['-e1']),
      { stdio: 'ignore' },
    ).status === 0;
  return installed ? undefined : `LemonLDAP::NG (apt-get install lemonldap-ng ${Object.keys(LLNG_PERL_MODULES).join(' ')})`;
};

export interface Lemonldap {
  issuer: string;
  /** The loopback port registered in the clients' redirect URIs (http://localhost:<port>, exactly). */
  redirectPort: number;
  stop(): Promise<void>;
}

export const startLemonldap = async (
  certs: TestCertificates,
  settings: { idTokenTtl: number; accessTokenTtl: number },
): Promise<Lemonldap> => {
  const dir = mkdtempSync(join(tmpdir(), 'kubectl-oidc-llng-'));
  for (const sub of ['conf', 'sessions/lock', 'psessions/lock', 'cache', 'notifications']) mkdirSync(join(dir, sub), { recursive: true });
  const [port, redirectPort] = [await freePort(), await freePort()];
  const issuer = `https://127.0.0.1:${port}`;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const redirectUris = `http://localhost:${redirectPort} http://127.0.0.1:${redirectPort}`;
  const client = (id: string, extra: Record<string, unknown>) => ({
    oidcRPMetaDataOptionsClientID: id,
    oidcRPMetaDataOptionsRedirectUris: redirectUris,
    oidcRPMetaDataOptionsIDTokenSignAlg: 'RS256',
    oidcRPMetaDataOptionsIDTokenExpiration: settings.idTokenTtl,
    oidcRPMetaDataOptionsAccessTokenExpiration: settings.accessTokenTtl,
    oidcRPMetaDataOptionsRefreshToken: 1,
    oidcRPMetaDataOptionsAllowOffline: 1,
    oidcRPMetaDataOptionsBypassConsent: 1,
    // By default it releases claims in userinfo only; kube-apiserver reads the ID token.
    oidcRPMetaDataOptionsIDTokenForceClaims: 1,
    ...extra,
  });
  const base = JSON.parse(readFileSync(DEFAULT_CONFIG, 'utf8')) as Record<string, unknown>;
  delete base.registerDB; // the registration plugin needs a mail setup
  const config = {
    ...base,
    cfgNum: 1,
    portal: `${issuer}/`,
    domain: '127.0.0.1',
    portalDisplayRegister: 0,
    notification: 0,
    globalStorageOptions: {
      Directory: join(dir, 'sessions'),
      LockDirectory: join(dir, 'sessions/lock'),
      generateModule: 'Lemonldap::NG::Common::Apache::Session::Generate::SHA256',
    },
    persistentStorageOptions: { Directory: join(dir, 'psessions'), LockDirectory: join(dir, 'psessions/lock') },
    localSessionStorageOptions: { ...(base.localSessionStorageOptions as object), cache_root: join(dir, 'cache') },
    notificationStorageOptions: { dirName: join(dir, 'notifications') },
    issuerDBOpenIDConnectActivation: 1,
    oidcServiceMetaDataIssuer: issuer,
    oidcServicePrivateKeySig: privateKey.export({ type: 'pkcs8', format: 'pem' }),
    oidcServicePublicKeySig: publicKey.export({ type: 'spki', format: 'pem' }),
    oidcServiceKeyIdSig: 'llng-test',
    oidcServiceAllowAuthorizationCodeFlow: 1,
    oidcRPMetaDataOptions: {
      kubectl: client(LLNG_PUBLIC_CLIENT, { oidcRPMetaDataOptionsPublic: 1, oidcRPMetaDataOptionsRequirePKCE: 1 }),
      userinfo: client(LLNG_USERINFO_CLIENT, { oidcRPMetaDataOptionsPublic: 1, oidcRPMetaDataOptionsIDTokenForceClaims: 0 }),
      ci: client(LLNG_CONFIDENTIAL_CLIENT, {
        oidcRPMetaDataOptionsClientSecret: LLNG_CONFIDENTIAL_SECRET,
        oidcRPMetaDataOptionsAllowClientCredentialsGrant: 1,
      }),
    },
    oidcRPMetaDataExportedVars: {
      kubectl: { email: 'mail', name: 'cn', preferred_username: 'uid' },
      userinfo: { email: 'mail', name: 'cn', preferred_username: 'uid' },
      ci: { email: 'mail', name: 'cn', preferred_username: 'uid' },
    },
  };
  writeFileSync(join(dir, 'conf', 'lmConf-1.json'), JSON.stringify(config, null, 1));
  const ini = readFileSync(DEFAULT_INI, 'utf8')
    .replaceAll('/var/lib/lemonldap-ng/conf', join(dir, 'conf'))
    .replaceAll('/var/lib/lemonldap-ng/cache', join(dir, 'cache'));
  writeFileSync(join(dir, 'lemonldap-ng.ini'), ini);
  writeFileSync(join(dir, 'tls.key'), certs.keyPem);
  writeFileSync(join(dir, 'tls.crt'), certs.certPem);

  const server = start(
    'plackup',
    [
      '-s',
      'HTTP::Server::PSGI',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--ssl',
      '1',
      '--ssl-key-file',
      join(dir, 'tls.key'),
      '--ssl-cert-file',
      join(dir, 'tls.crt'),
      PORTAL_PSGI,
    ],
    { ...process.env, LLNG_DEFAULTCONFFILE: join(dir, 'lemonldap-ng.ini') },
  );
  await server.waitForStderr(/Accepting connections at https:/);
  // The portal loads its modules at the first request: a missing one shows there, as an HTML error page.
  const status = await new Promise<number>((resolve, reject) => {
    get(`${issuer}/.well-known/openid-configuration`, { ca: certs.caPem }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).once('error', reject);
  });
  if (status !== 200) {
    server.child.kill('SIGTERM');
    const errors = server
      .stderr()
      .split('\n')
      .filter((line) => line.includes('[error]') && /Can't locate|failed/.test(line));
    throw new Error(`LemonLDAP::NG did not start (discovery answered ${status}): ${errors.slice(0, 3).join(' | ')}`);
  }
  return {
    issuer,
    redirectPort,
    stop: async () => {
      server.child.kill('SIGTERM');
      await server.exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
};
