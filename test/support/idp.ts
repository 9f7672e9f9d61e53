import { createHash, createPublicKey, generateKeyPair, type KeyPairKeyObjectResult, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { jwtVerify, SignJWT } from 'jose';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { TestCertificates } from './certs.js';

export const TEST_CLIENT_ID = 'kubectl';
/** A confidential client for machines (client credentials with a secret; Authentik-style username + app password). */
export const MACHINE_CLIENT_ID = 'machine';
export const MACHINE_CLIENT_SECRET = 'machine-secret-0123456789';
/** A client that authenticates with a JWT signed by a key the IdP trusts (like a projected service-account token). */
export const ASSERTION_CLIENT_ID = 'machine-jwt';
/** The password the password grant and the app-password check accept. */
export const TEST_PASSWORD = 'correct horse battery staple';
/** The audience of machine access tokens, which the fake API server for machines accepts. */
export const MACHINE_AUDIENCE = 'kubernetes-machines';

export interface IdpCounts {
  /** Every HTTP request the IdP answered. */
  requests: number;
  /** Milliseconds the IdP spent on each token endpoint request, in order. */
  tokenRequestMs: number[];
  /** Device authorization requests, and how many carried an S256 code_challenge. */
  deviceAuthorizations: number;
  deviceAuthorizationsWithPkce: number;
  /** GET /auth requests: browser visits and the plugin's preflight check. */
  authorization: number;
  /** Discovery documents served. */
  discovery: number;
  /** JWKS documents served. */
  jwks: number;
  /** Authorization codes issued: logins a person completed in the browser. */
  logins: number;
  /** Token endpoint requests by grant type, e.g. authorization_code, refresh_token. */
  grants: Record<string, number>;
  /** Token endpoint answers that were errors. */
  tokenErrors: number;
  /** The parameters of each token exchange (RFC 8693) the IdP answered. */
  exchanges: Record<string, string[]>[];
  /** Requests refused for their client authentication by the strictBasic quirk. */
  refusedClientAuth: number;
  /** Refresh tokens revoked at the revocation endpoint. */
  revocations: number;
  /** Token requests left unanswered by the stallGrants quirk. */
  stalled: number;
  /** The scope parameter of each refresh request, in order (null: none sent). */
  refreshScopes: (string | null)[];
}

/** The test IdP exchanges subject tokens of this form for tokens of the named user (RFC 8693). */
export const SUBJECT_TOKEN_PREFIX = 'test-subject-token-for:';
const ID_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:id_token';

export interface TestIdp {
  issuer: string;
  port: number;
  counts: IdpCounts;
  /** Lifetime in seconds of ID tokens issued from now on. */
  setIdTokenTtl(seconds: number): void;
  /** Reproduces IdP quirks from the field guides (shared/seeds) until set back. */
  setQuirks(quirks: IdpQuirks): void;
  /** Ends an access token at the IdP, as its expiry or an admin would. */
  revokeAccessToken(token: string): Promise<void>;
  /** Resolves when the IdP has answered a refresh of this subject's session (as its response leaves). */
  refreshAnswered(subject: string): Promise<void>;
  /**
   * The same token signed again as issued an hour ago, with 30 s left (as the staleIdTokens quirk issues them), or
   * `leftSec`: a cached session aged without waiting for the clock.
   */
  aged(jwt: string, leftSec?: number): Promise<string>;
  stop(): Promise<void>;
}

export interface IdpQuirks {
  /** Discovery without code_challenge_methods_supported, as Microsoft Entra ID publishes it. */
  noPkceMethods?: boolean;
  /** A JWKS of {}, as Authentik serves it before a signing key is assigned. */
  emptyJwks?: boolean;
  /** Answer the first device-code poll with slow_down (RFC 8628 §3.5). */
  slowDownOnce?: boolean;
  /** Device codes that expire after this many seconds. */
  deviceCodeTtl?: number;
  /**
   * Basic credentials taken as sent, without the form-decoding RFC 6749 §2.3.1 asks for: escaped ones
   * (`machine%2Dsecret…`) are refused with an empty 403, as servers that do not decode them answer.
   */
  strictBasic?: boolean;
  /** Refresh answers without an ID token (OpenID Connect Core §12.2): always, or unless the request asks for scopes again. */
  noIdTokenOnRefresh?: 'always' | 'unlessScoped';
  /** Revocation only with the access token as a Bearer credential; discovery advertises client_secret_basic and bearer. */
  bearerRevocationOnly?: boolean;
  /** Token requests of these grant types are accepted and never answered (until the IdP stops). */
  stallGrants?: string[];
  /**
   * ID tokens issued an hour ago with 30 s left (iat now − 3570 s, exp now + 30 s): still accepted by the API server,
   * but inside any expiry margin, so the next get-token refreshes. As a token cached long ago would be.
   */
  staleIdTokens?: boolean;
  /** ID tokens of refresh answers with a rewritten payload (email changed) and the original signature: a forgery. */
  forgeRefreshIdTokens?: boolean;
  /** ID tokens of every grant signed with a key the IdP does not publish (kid "foreign-key"). */
  foreignIdTokens?: boolean;
  /** A key rotation: ID tokens signed with a second key (kid "rotated-key"), which the JWKS now publishes too. */
  rotatedKey?: boolean;
  /** Refresh requests that name a scope are refused with invalid_scope, as servers that allow no scope there answer. */
  refuseScopedRefresh?: boolean;
  /**
   * ID tokens of this grant's answers (an exchange's in access_token too) signed again by the IdP's own key with these
   * claims changed (null removes one): a lying or misconfigured IdP whose signature is good.
   */
  idTokenClaims?: { grant: string; claims: Record<string, unknown> };
}

export interface IdpSettings {
  certs: TestCertificates;
  /** Public JWK of the key that signs client assertions for ASSERTION_CLIENT_ID. */
  assertionKey?: Record<string, unknown>;
  /** Extra loopback redirect URIs to register (port is ignored for native clients, host and path are not). */
  redirectUris?: string[];
  /**
   * https redirect URIs on localhost, registered for WEB_CLIENT_ID: oidc-provider refuses https://localhost for native
   * clients, as OpenID Connect Registration says; IdPs that require https redirects register web clients like this.
   */
  webRedirectUris?: string[];
  idTokenTtl?: number;
  /** The issuer, when the IdP is reached through something in front of it (test/support/quirk-front.ts). */
  issuer?: string;
  /**
   * Audiences (the clusters' client IDs) that trust TEST_CLIENT_ID: its ID tokens are exchanged (RFC 8693,
   * subject_token_type id_token) for ID tokens whose aud is the requested one of these, as Keycloak's standard token
   * exchange or Okta's do for permitted audiences.
   */
  exchangeAudiences?: string[];
}

export const WEB_CLIENT_ID = 'kubectl-web';
/** A native client the IdP allows no device flow: a device authorization request for it is refused. */
export const NO_DEVICE_CLIENT_ID = 'kubectl-no-device';

const manyGroups = (sub: string): string[] => {
  const count = Number(/^groups-(\d+)$/.exec(sub)?.[1] ?? 0);
  return Array.from({ length: count }, (_, i) => `team-${String(i).padStart(4, '0')}-with-a-long-directory-name`);
};

const listen = (server: Server): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });

/**
 * The signing key, the key a rotation moves to and a key the IdP never publishes: made once per test process and shared
 * by its IdPs (three RSA keys cost ~0.4 s of CPU, and the suite starts ~70 IdPs). Each IdP has its own issuer, which
 * every token names and every check compares; no test tells two IdPs apart by their keys. Off the event loop: IdPs
 * starting in one test file must not stall each other's answers.
 */
type Keys = [KeyPairKeyObjectResult, KeyPairKeyObjectResult, KeyPairKeyObjectResult];
let keys: Promise<Keys> | undefined;
const signingKeys = (): Promise<Keys> => {
  const rsaKeyPair = () => promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
  keys ??= Promise.all([rsaKeyPair(), rsaKeyPair(), rsaKeyPair()]);
  return keys;
};

/** A real OpenID Connect provider (oidc-provider) over HTTPS on loopback: any login name with any password logs in. */
export const startIdp = async (settings: IdpSettings): Promise<TestIdp> => {
  let handler: (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void = (_req, res) => {
    res.statusCode = 503;
    res.end();
  };
  const server = createServer({ key: settings.certs.keyPem, cert: settings.certs.certPem }, (req, res) => handler(req, res));
  const port = await listen(server);
  const issuer = settings.issuer ?? `https://127.0.0.1:${port}`;
  let idTokenTtl = settings.idTokenTtl ?? 3600;

  const [{ privateKey }, { privateKey: rotatedKey, publicKey: rotatedPublicKey }, { privateKey: foreignKey }] = await signingKeys();
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key', alg: 'RS256', use: 'sig' };
  const rotatedJwk = { ...rotatedPublicKey.export({ format: 'jwk' }), kid: 'rotated-key', alg: 'RS256', use: 'sig' };

  const configuration: Configuration = {
    clients: [
      {
        client_id: TEST_CLIENT_ID,
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        grant_types: [
          'authorization_code',
          'refresh_token',
          'urn:ietf:params:oauth:grant-type:device_code',
          'password',
          'urn:ietf:params:oauth:grant-type:token-exchange',
        ],
        response_types: ['code'],
        redirect_uris: ['http://localhost:8000', 'http://127.0.0.1:8000', ...(settings.redirectUris ?? [])],
      },
      {
        client_id: NO_DEVICE_CLIENT_ID,
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: ['http://localhost:8000', 'http://127.0.0.1:8000'],
      },
      ...(settings.webRedirectUris
        ? [
            {
              client_id: WEB_CLIENT_ID,
              application_type: 'web' as const,
              token_endpoint_auth_method: 'none' as const,
              grant_types: ['authorization_code'],
              response_types: ['code' as const],
              redirect_uris: settings.webRedirectUris,
            },
          ]
        : []),
      {
        client_id: MACHINE_CLIENT_ID,
        client_secret: MACHINE_CLIENT_SECRET,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
      },
      ...(settings.assertionKey
        ? [
            {
              client_id: ASSERTION_CLIENT_ID,
              token_endpoint_auth_method: 'private_key_jwt' as const,
              token_endpoint_auth_signing_alg: 'RS256' as const,
              jwks: { keys: [settings.assertionKey as never] },
              grant_types: ['client_credentials'],
              response_types: [],
              redirect_uris: [],
            },
          ]
        : []),
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
      deviceFlow: { enabled: true },
      clientCredentials: { enabled: true },
      // Machine clients get JWT access tokens for the API server's audience, as a resource server would.
      resourceIndicators: {
        enabled: true,
        defaultResource: (_ctx, client) =>
          (client?.clientId.startsWith(MACHINE_CLIENT_ID) ? 'https://kubernetes.test' : undefined) as string,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: 'cluster',
          audience: MACHINE_AUDIENCE,
          accessTokenFormat: 'jwt',
          accessTokenTTL: 3600,
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    ttl: {
      IdToken: () => idTokenTtl,
      AccessToken: () => idTokenTtl,
      AuthorizationCode: 60,
      DeviceCode: () => quirks.deviceCodeTtl ?? 600,
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
  const counts: IdpCounts = {
    requests: 0,
    tokenRequestMs: [],
    authorization: 0,
    discovery: 0,
    jwks: 0,
    logins: 0,
    grants: {},
    tokenErrors: 0,
    deviceAuthorizations: 0,
    deviceAuthorizationsWithPkce: 0,
    exchanges: [],
    refusedClientAuth: 0,
    revocations: 0,
    stalled: 0,
    refreshScopes: [],
  };
  provider.on('authorization.success', () => {
    counts.logins += 1;
  });
  let quirks: IdpQuirks = {};
  const refreshWaiters: { subject: string; resolve: () => void }[] = [];
  const deviceChallenges = new Map<string, string>();
  provider.use(async (ctx: KoaContextWithOIDC, next: () => Promise<unknown>) => {
    counts.requests += 1;
    const started = performance.now();
    if (ctx.path === '/auth') counts.authorization += 1;
    if (ctx.path === '/.well-known/openid-configuration') counts.discovery += 1;
    if (ctx.path === '/jwks') counts.jwks += 1;
    let form = new URLSearchParams();
    if (ctx.method === 'POST' && (ctx.path === '/token' || ctx.path === '/device/auth' || ctx.path === '/token/revocation')) {
      // Read the form first (oidc-provider accepts an upstream-parsed body) to see what the plugin sent.
      const chunks: Buffer[] = [];
      for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
      const text = Buffer.concat(chunks).toString('utf8');
      (ctx.request as unknown as { body: string }).body = text;
      form = new URLSearchParams(text);
      if (form.get('grant_type') === 'refresh_token') counts.refreshScopes.push(form.get('scope'));
      if (form.get('grant_type') === 'refresh_token' && form.has('scope') && quirks.refuseScopedRefresh) {
        counts.grants.refresh_token = (counts.grants.refresh_token ?? 0) + 1;
        counts.tokenErrors += 1;
        ctx.status = 400;
        ctx.body = { error: 'invalid_scope', error_description: 'a refresh may not name a scope here' };
        return;
      }
      if (quirks.stallGrants?.includes(form.get('grant_type') ?? '')) {
        counts.stalled += 1;
        await new Promise(() => undefined);
      }
      const basic = /^Basic (.+)$/i.exec(ctx.get('authorization'))?.[1];
      if (quirks.strictBasic && basic && Buffer.from(basic, 'base64').toString('utf8').includes('%')) {
        counts.refusedClientAuth += 1;
        ctx.status = 403;
        ctx.body = '';
        return;
      }
      if (ctx.path === '/token/revocation' && quirks.bearerRevocationOnly) {
        const bearer = /^Bearer (.+)$/i.exec(ctx.get('authorization'))?.[1];
        if (!bearer || !(await provider.AccessToken.find(bearer))) {
          ctx.status = 401;
          ctx.body = '';
          return;
        }
        const refreshToken = await provider.RefreshToken.find(form.get('token') ?? '');
        if (refreshToken) {
          await refreshToken.destroy();
          counts.revocations += 1;
        }
        ctx.status = 200;
        ctx.body = '';
        return;
      }
      if (ctx.path === '/device/auth') {
        counts.deviceAuthorizations += 1;
        if (form.get('code_challenge_method') === 'S256' && form.get('code_challenge')) counts.deviceAuthorizationsWithPkce += 1;
      }
      // Like Keycloak with PKCE required on the device flow (oidc-provider itself does not check it there).
      if (form.get('grant_type') === 'urn:ietf:params:oauth:grant-type:device_code') {
        const challenge = deviceChallenges.get(form.get('device_code') ?? '');
        const verifier = form.get('code_verifier') ?? '';
        if (!challenge || createHash('sha256').update(verifier).digest('base64url') !== challenge) {
          ctx.status = 400;
          ctx.body = { error: 'invalid_grant', error_description: challenge ? 'PKCE verification failed' : 'PKCE is required' };
          return;
        }
      }
      if (form.get('grant_type') === 'urn:ietf:params:oauth:grant-type:device_code' && quirks.slowDownOnce) {
        quirks = { ...quirks, slowDownOnce: false };
        counts.grants.slow_down = (counts.grants.slow_down ?? 0) + 1;
        ctx.status = 400;
        ctx.body = { error: 'slow_down', error_description: 'polling too fast' };
        return;
      }
      // Authentik's machine-to-machine flavour: client credentials plus a service account and its app password.
      if (form.get('grant_type') === 'client_credentials' && form.has('username') && form.get('password') !== TEST_PASSWORD) {
        counts.grants.client_credentials = (counts.grants.client_credentials ?? 0) + 1;
        counts.tokenErrors += 1;
        ctx.status = 400;
        ctx.body = { error: 'invalid_grant', error_description: 'invalid app password' };
        return;
      }
    }
    await next();
    if (ctx.path === '/device/auth' && ctx.status === 200) {
      const body = ctx.body as { device_code?: string; interval?: number };
      // oidc-provider announces no interval (clients then poll every 5 s); many IdPs announce their own (RFC 8628 §3.2).
      body.interval = 1;
      const challenge = new URLSearchParams((ctx.request as unknown as { body: string }).body).get('code_challenge');
      if (body.device_code && challenge) deviceChallenges.set(body.device_code, challenge);
    }
    if (ctx.path === '/.well-known/openid-configuration' && quirks.noPkceMethods) {
      delete (ctx.body as Record<string, unknown>).code_challenge_methods_supported;
    }
    if (ctx.path === '/.well-known/openid-configuration' && quirks.bearerRevocationOnly) {
      (ctx.body as Record<string, unknown>).revocation_endpoint_auth_methods_supported = ['client_secret_basic', 'bearer'];
    }
    if (ctx.path === '/token/revocation' && ctx.status === 200) counts.revocations += 1;
    const tokenAnswer = ctx.path === '/token' && ctx.status === 200 ? (ctx.body as Record<string, unknown>) : undefined;
    const resign = quirks.staleIdTokens || quirks.foreignIdTokens || quirks.rotatedKey;
    if (resign && typeof tokenAnswer?.id_token === 'string') {
      const claims = JSON.parse(Buffer.from(tokenAnswer.id_token.split('.')[1]!, 'base64url').toString('utf8'));
      const now = Math.floor(Date.now() / 1000);
      const [key, kid] = quirks.foreignIdTokens
        ? [foreignKey, 'foreign-key']
        : quirks.rotatedKey
          ? [rotatedKey, 'rotated-key']
          : [privateKey, 'test-key'];
      tokenAnswer.id_token = await new SignJWT({ ...claims, ...(quirks.staleIdTokens ? { iat: now - 3570, exp: now + 30 } : {}) })
        .setProtectedHeader({ alg: 'RS256', kid })
        .sign(key);
    }
    const rewrite = quirks.idTokenClaims;
    if (rewrite && tokenAnswer && form.get('grant_type') === rewrite.grant) {
      const field =
        typeof tokenAnswer.id_token === 'string'
          ? 'id_token'
          : tokenAnswer.issued_token_type === ID_TOKEN_TYPE
            ? 'access_token'
            : undefined;
      if (field) {
        const claims = JSON.parse(Buffer.from(String(tokenAnswer[field]).split('.')[1]!, 'base64url').toString('utf8'));
        for (const [name, value] of Object.entries(rewrite.claims)) {
          if (value === null) delete claims[name];
          else claims[name] = value;
        }
        tokenAnswer[field] = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'test-key' }).sign(privateKey);
      }
    }
    const refreshAnswer = ctx.path === '/token' && form.get('grant_type') === 'refresh_token' && ctx.status === 200;
    if (refreshAnswer && quirks.forgeRefreshIdTokens && typeof tokenAnswer?.id_token === 'string') {
      const [header, payload, signature] = tokenAnswer.id_token.split('.');
      const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'));
      const forged = Buffer.from(JSON.stringify({ ...claims, email: 'admin@example.test' })).toString('base64url');
      tokenAnswer.id_token = `${header}.${forged}.${signature}`;
    }
    if (refreshAnswer && (quirks.noIdTokenOnRefresh === 'always' || (quirks.noIdTokenOnRefresh === 'unlessScoped' && !form.has('scope')))) {
      delete (ctx.body as Record<string, unknown>).id_token;
    }
    if (ctx.path === '/jwks' && quirks.emptyJwks) ctx.body = {};
    if (ctx.path === '/jwks' && quirks.rotatedKey) (ctx.body as { keys: unknown[] }).keys.push(rotatedJwk);
    if (refreshAnswer && typeof tokenAnswer?.id_token === 'string') {
      const { sub } = JSON.parse(Buffer.from(tokenAnswer.id_token.split('.')[1]!, 'base64url').toString('utf8')) as { sub: string };
      ctx.res.once('finish', () => {
        for (const waiter of refreshWaiters.filter((w) => w.subject === sub)) {
          refreshWaiters.splice(refreshWaiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      });
    }
    if (ctx.path === '/token' && ctx.method === 'POST') {
      counts.tokenRequestMs.push(performance.now() - started);
      const grant = String((ctx.oidc?.params as Record<string, unknown> | undefined)?.grant_type ?? 'unknown');
      counts.grants[grant] = (counts.grants[grant] ?? 0) + 1;
      if (ctx.status >= 400) counts.tokenErrors += 1;
    }
  });
  // The resource owner password grant (RFC 6749 §4.3), which oidc-provider leaves out; some IdPs still allow it.
  provider.registerGrantType(
    'password',
    async (ctx: KoaContextWithOIDC) => {
      const { username, password } = ctx.oidc.params as { username?: string; password?: string };
      if (!username || password !== TEST_PASSWORD) {
        ctx.status = 400;
        ctx.body = { error: 'invalid_grant', error_description: 'wrong username or password' };
        return;
      }
      const account = await configuration.findAccount!(ctx, username);
      const idToken = new provider.IdToken({ ...(await account!.claims('id_token', 'openid email profile groups', {}, [])) }, { ctx });
      (idToken as unknown as { scope: string }).scope = 'openid email profile groups';
      // With offline_access, a refresh token of the provider's own, which its refresh_token grant then honours.
      const scope = String((ctx.oidc.params as { scope?: string }).scope ?? '');
      let refreshToken: string | undefined;
      if (scope.split(' ').includes('offline_access')) {
        const grant = new provider.Grant({ accountId: account!.accountId, clientId: ctx.oidc.client!.clientId });
        grant.addOIDCScope(`openid offline_access ${scope}`);
        const grantId = await grant.save();
        const rt = new provider.RefreshToken({
          accountId: account!.accountId,
          client: ctx.oidc.client,
          grantId,
          gty: 'password',
          scope: `openid offline_access ${scope}`,
          rotations: 0,
        } as ConstructorParameters<typeof provider.RefreshToken>[0]);
        refreshToken = await rt.save();
      }
      ctx.body = {
        access_token: randomBytes(24).toString('base64url'),
        id_token: await idToken.issue({ use: 'idtoken' }),
        token_type: 'Bearer',
        expires_in: idTokenTtl,
        ...(refreshToken ? { refresh_token: refreshToken } : {}),
      };
    },
    ['username', 'password', 'scope'],
  );
  // Token exchange (RFC 8693), as IdPs that trust another issuer's tokens offer it; what each request asked is recorded.
  const TOKEN_EXCHANGE_PARAMS = [
    'subject_token',
    'subject_token_type',
    'actor_token',
    'actor_token_type',
    'requested_token_type',
    'audience',
    'resource',
    'scope',
  ];
  const recordExchange = (params: Record<string, string | string[] | undefined>): void => {
    counts.exchanges.push(
      Object.fromEntries(
        TOKEN_EXCHANGE_PARAMS.filter((name) => name !== 'subject_token' && params[name] !== undefined).map((name) => [
          name,
          ([] as string[]).concat(params[name]!),
        ]),
      ),
    );
  };
  // One of this IdP's own ID tokens, issued to TEST_CLIENT_ID, for an ID token of a trusted audience: signed with the
  // IdP's key like every other, its claims those of the subject's account, its aud the audience, its azp the client.
  const exchangeIdToken = async (ctx: KoaContextWithOIDC, params: Record<string, string | string[] | undefined>, subject: string) => {
    const refuse = (error: string, description: string): void => {
      ctx.status = 400;
      ctx.body = { error, error_description: description };
    };
    let sub: string;
    try {
      const { payload } = await jwtVerify(subject, createPublicKey(privateKey), { issuer, audience: TEST_CLIENT_ID });
      sub = String(payload.sub);
    } catch (err) {
      return refuse('invalid_grant', `the subject token does not verify: ${(err as Error).message}`);
    }
    const audience = ([] as string[]).concat(params.audience ?? []);
    if (audience.length !== 1 || !settings.exchangeAudiences?.includes(audience[0]!) || ctx.oidc.client?.clientId !== TEST_CLIENT_ID) {
      return refuse('invalid_target', `client ${ctx.oidc.client?.clientId} may not exchange tokens for ${audience.join(', ')}`);
    }
    recordExchange(params);
    const account = await configuration.findAccount!(ctx, sub);
    const claims = await account!.claims('id_token', 'openid email profile groups', {}, []);
    const now = Math.floor(Date.now() / 1000);
    const idToken = await new SignJWT({ ...claims, azp: TEST_CLIENT_ID })
      .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
      .setIssuer(issuer)
      .setAudience(audience[0]!)
      .setIssuedAt(now)
      .setExpirationTime(now + idTokenTtl)
      .sign(privateKey);
    ctx.body = { access_token: idToken, issued_token_type: ID_TOKEN_TYPE, token_type: 'N_A', expires_in: idTokenTtl };
  };
  provider.registerGrantType(
    'urn:ietf:params:oauth:grant-type:token-exchange',
    async (ctx: KoaContextWithOIDC) => {
      const params = ctx.oidc.params as Record<string, string | string[] | undefined>;
      const subject = String(params.subject_token ?? '');
      if (params.subject_token_type === ID_TOKEN_TYPE) return exchangeIdToken(ctx, params, subject);
      if (!subject.startsWith(SUBJECT_TOKEN_PREFIX) || !params.subject_token_type) {
        ctx.status = 400;
        ctx.body = { error: 'invalid_grant', error_description: 'the subject token is not one this IdP trusts' };
        return;
      }
      recordExchange(params);
      const account = await configuration.findAccount!(ctx, subject.slice(SUBJECT_TOKEN_PREFIX.length));
      const idToken = new provider.IdToken({ ...(await account!.claims('id_token', 'openid email profile groups', {}, [])) }, { ctx });
      (idToken as unknown as { scope: string }).scope = 'openid email profile groups';
      ctx.body = {
        access_token: randomBytes(24).toString('base64url'),
        issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        id_token: await idToken.issue({ use: 'idtoken' }),
        token_type: 'Bearer',
        expires_in: idTokenTtl,
      };
    },
    TOKEN_EXCHANGE_PARAMS,
    ['audience', 'resource'],
  );
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
    refreshAnswered: (subject) => new Promise((resolve) => refreshWaiters.push({ subject, resolve })),
    aged: (jwt, leftSec = 30) => {
      const claims = JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8'));
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ ...claims, iat: now - 3600 + leftSec, exp: now + leftSec })
        .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
        .sign(privateKey);
    },
    revokeAccessToken: async (token) => {
      await (await provider.AccessToken.find(token))?.destroy();
    },
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
};
