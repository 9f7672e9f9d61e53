import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { TestCertificates } from './certs.js';

export const TEST_CLIENT_ID = 'kubectl';

export interface IdpCounts {
  /** GET /auth requests: browser visits and the plugin's preflight check. */
  authorization: number;
  /** Authorization codes issued: logins a person completed in the browser. */
  logins: number;
  /** Token endpoint requests by grant type, e.g. authorization_code, refresh_token. */
  grants: Record<string, number>;
  /** Token endpoint answers that were errors. */
  tokenErrors: number;
}

export interface TestIdp {
  issuer: string;
  port: number;
  counts: IdpCounts;
  /** Lifetime in seconds of ID tokens issued from now on. */
  setIdTokenTtl(seconds: number): void;
  /** Reproduces IdP quirks from the field guides (shared/seeds) until set back. */
  setQuirks(quirks: IdpQuirks): void;
  stop(): Promise<void>;
}

export interface IdpQuirks {
  /** Discovery without code_challenge_methods_supported, as Microsoft Entra ID publishes it. */
  noPkceMethods?: boolean;
  /** A JWKS of {}, as Authentik serves it before a signing key is assigned. */
  emptyJwks?: boolean;
}

export interface IdpSettings {
  certs: TestCertificates;
  /** Extra loopback redirect URIs to register (port is ignored for native clients, host and path are not). */
  redirectUris?: string[];
  idTokenTtl?: number;
}

const manyGroups = (sub: string): string[] => {
  const count = Number(/^groups-(\d+)$/.exec(sub)?.[1] ?? 0);
  return Array.from({ length: count }, (_, i) => `team-${String(i).padStart(4, '0')}-with-a-long-directory-name`);
};

const listen = (server: Server): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });

/** A real OpenID Connect provider (oidc-provider) over HTTPS on loopback: any login name with any password logs in. */
export const startIdp = async (settings: IdpSettings): Promise<TestIdp> => {
  let handler: (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void = (_req, res) => {
    res.statusCode = 503;
    res.end();
  };
  const server = createServer({ key: settings.certs.keyPem, cert: settings.certs.certPem }, (req, res) => handler(req, res));
  const port = await listen(server);
  const issuer = `https://127.0.0.1:${port}`;
  let idTokenTtl = settings.idTokenTtl ?? 3600;

  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key', alg: 'RS256', use: 'sig' };

  const configuration: Configuration = {
    clients: [
      {
        client_id: TEST_CLIENT_ID,
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: ['http://localhost:8000', 'http://127.0.0.1:8000', ...(settings.redirectUris ?? [])],
      },
    ],
    jwks: { keys: [jwk as never] },
    cookies: { keys: ['kubectl-oidc-test-cookie-key'] },
    conformIdTokenClaims: false,
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username', 'mfa', 'roles'],
      groups: ['groups'],
    },
    scopes: ['openid', 'offline_access', 'email', 'profile', 'groups'],
    features: {
      devInteractions: { enabled: true },
      revocation: { enabled: true },
    },
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    ttl: {
      IdToken: () => idTokenTtl,
      AccessToken: () => idTokenTtl,
      AuthorizationCode: 60,
      RefreshToken: 86400,
      Interaction: 600,
      Session: 86400,
      Grant: 86400,
    },
    findAccount: async (_ctx, sub) => ({
      accountId: sub,
      claims: async () => ({
        sub,
        email: `${sub}@example.test`,
        // "unverified-…" logins get Authentik's default email mapping; "nomfa-…" logins skipped MFA.
        email_verified: !sub.startsWith('unverified-'),
        mfa: !sub.startsWith('nomfa-'),
        roles: ['platform-admins'],
        name: sub,
        preferred_username: sub,
        // A login name "groups-N" belongs to N extra groups: ID tokens of any size, as IdPs with many groups issue them.
        // "entra-…" logins get groups as Microsoft Entra ID sends them: object IDs.
        groups: sub.startsWith('entra-')
          ? ['0b4f2b4e-6d1c-4a8e-9a57-1f3c2d9e8a10', '7e1d9c3a-2b5f-4c6e-8d0a-9b8c7d6e5f40']
          : ['developers', 'kubectl-oidc-testers', ...manyGroups(sub)],
      }),
    }),
  };
  const provider = new Provider(issuer, configuration);
  const counts: IdpCounts = { authorization: 0, logins: 0, grants: {}, tokenErrors: 0 };
  provider.on('authorization.success', () => {
    counts.logins += 1;
  });
  let quirks: IdpQuirks = {};
  provider.use(async (ctx: KoaContextWithOIDC, next: () => Promise<unknown>) => {
    if (ctx.path === '/auth') counts.authorization += 1;
    await next();
    if (ctx.path === '/.well-known/openid-configuration' && quirks.noPkceMethods) {
      delete (ctx.body as Record<string, unknown>).code_challenge_methods_supported;
    }
    if (ctx.path === '/jwks' && quirks.emptyJwks) ctx.body = {};
    if (ctx.path === '/token' && ctx.method === 'POST') {
      const grant = String((ctx.oidc?.params as Record<string, unknown> | undefined)?.grant_type ?? 'unknown');
      counts.grants[grant] = (counts.grants[grant] ?? 0) + 1;
      if (ctx.status >= 400) counts.tokenErrors += 1;
    }
  });
  const callback = provider.callback();
  handler = (req, res) => callback(req, res);

  return {
    issuer,
    port,
    counts,
    setIdTokenTtl: (seconds) => {
      idTokenTtl = seconds;
    },
    setQuirks: (next) => {
      quirks = next;
    },
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
};
