import { describe, expect, it } from 'vitest';
import { type IssuerFacts, issuerFindings, loginErrorFix, tokenFindings } from '../../src/commands/setup/findings.js';
import { judge, legacyAuthenticator, parseAuthenticationConfiguration } from '../../src/commands/setup/judge.js';
import { readableTime } from '../../src/commands/setup/setup.js';

const NOW = 1_800_000_000;
const ISSUER = 'https://idp.example';
const claims = {
  iss: ISSUER,
  aud: 'kubernetes',
  sub: 'u1',
  email: 'a@example.com',
  email_verified: true,
  groups: ['g1'],
  exp: NOW + 600,
  iat: NOW,
};
const token = (extra: Record<string, unknown> = {}) => ({ header: { alg: 'RS256' }, claims: { ...claims, ...extra } });
const legacy = (extra: Partial<Parameters<typeof legacyAuthenticator>[0]> = {}) =>
  legacyAuthenticator({
    issuerUrl: ISSUER,
    clientId: 'kubernetes',
    usernameClaim: 'email',
    groupsClaim: 'groups',
    requiredClaims: {},
    signingAlgs: ['RS256'],
    ...extra,
  });

describe('judge: kube-apiserver legacy flags', () => {
  it('maps email and groups', () => {
    expect(judge(token(), [legacy()], NOW)).toMatchObject({ ok: true, username: 'a@example.com', groups: ['g1'] });
  });
  it('prefixes a non-email username claim with "<issuer>#" unless told otherwise, and "-" disables it', () => {
    expect(judge(token(), [legacy({ usernameClaim: 'sub' })], NOW)).toMatchObject({ username: `${ISSUER}#u1` });
    expect(judge(token(), [legacy({ usernameClaim: 'sub', usernamePrefix: '-' })], NOW)).toMatchObject({ username: 'u1' });
    expect(judge(token(), [legacy({ groupsPrefix: 'oidc:' })], NOW)).toMatchObject({ groups: ['oidc:g1'] });
  });
  it.each([
    [{ exp: NOW - 1 }, /^oidc: verify token: oidc: token is expired/, /^synchronize the clocks/],
    [
      { aud: 'other' },
      'oidc: verify token: oidc: expected audience in ["kubernetes"] got ["other"]',
      'add "other" to the authenticator\'s audiences on kube-apiserver, or get a token for "kubernetes" with --oidc-audience',
    ],
    [{ email_verified: false }, 'oidc: email not verified', /email_verified: true\), or map the username from another claim/],
    [
      { email: undefined },
      'oidc: parse username claims "email": claim not present',
      'map the username from a claim this token has as a string (sub) on kube-apiserver, or have the IdP put "email" in the ID token',
    ],
  ])('rejects %j, and says what to change', (extra, reason, fix) => {
    const t = token(extra);
    if ('email' in extra) delete (t.claims as Record<string, unknown>).email;
    const verdict = judge(t, [legacy()], NOW);
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) {
      expect(verdict.reason).toMatch(reason);
      expect(verdict.fix).toMatch(fix);
    }
  });
  it('checks required claims and signing algorithms', () => {
    expect(judge(token({ hd: 'other.com' }), [legacy({ requiredClaims: { hd: 'example.com' } })], NOW)).toMatchObject({
      ok: false,
      reason: 'oidc: required claim hd value does not match. Got = other.com, want = example.com',
    });
    expect(judge({ ...token(), header: { alg: 'ES256' } }, [legacy()], NOW)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('unsupported algorithm'),
    });
  });
  it('skips a token whose iss matches no authenticator, silently as the API server does', () => {
    expect(judge(token({ iss: `${ISSUER}/` }), [legacy()], NOW)).toMatchObject({
      ok: false,
      silent: true,
      fix: `make the issuer URL of kube-apiserver's authenticator exactly "${ISSUER}/"`,
    });
  });
});

describe('judge: AuthenticationConfiguration', () => {
  const config = `apiVersion: apiserver.config.k8s.io/v1
kind: AuthenticationConfiguration
jwt:
- issuer: {url: ${ISSUER}, audiences: [kubernetes]}
  claimValidationRules:
  - claim: hd
    requiredValue: example.com
  claimMappings:
    username: {expression: 'claims.sub + "@" + claims.hd'}
    groups: {claim: groups, prefix: "idp:"}
    uid: {claim: sub}
    extra:
    - key: example.com/tenant
      valueExpression: 'claims.hd'
  userValidationRules:
  - expression: "!user.username.startsWith('system:')"
    message: no system users
`;
  it('evaluates CEL mappings, uid, extra and rules', () => {
    const authenticators = parseAuthenticationConfiguration(config, 'auth.yaml');
    expect(judge(token({ hd: 'example.com' }), authenticators, NOW)).toMatchObject({
      ok: true,
      username: 'u1@example.com',
      groups: ['idp:g1'],
      uid: 'u1',
      extra: { 'example.com/tenant': ['example.com'] },
    });
    expect(judge(token({ hd: 'example.com', sub: 'system:admin' }), authenticators, NOW)).toMatchObject({
      ok: false,
      reason:
        "oidc: error evaluating user info validation rule: validation expression '!user.username.startsWith('system:')' failed: " +
        'no system users',
    });
  });
  it('refuses a file that is not an AuthenticationConfiguration', () => {
    expect(() => parseAuthenticationConfiguration('kind: Pod\napiVersion: v1\n', 'x.yaml')).toThrow(
      /is not an AuthenticationConfiguration/,
    );
    expect(() => parseAuthenticationConfiguration('a: [', 'x.yaml')).toThrow(/is not YAML/);
  });
});

describe('gotcha findings', () => {
  const facts = (extra: Partial<IssuerFacts>): IssuerFacts => ({
    configuredIssuer: ISSUER,
    extraScopes: [],
    discovery: { issuer: ISSUER, jwks_uri: `${ISSUER}/jwks`, code_challenge_methods_supported: ['S256'] },
    jwksKeys: [{ kty: 'RSA', alg: 'RS256' }],
    apiserverAlgs: ['RS256'],
    ...extra,
  });
  it('an http:// issuer is an error kube-apiserver would refuse to start with, and the https URL is the fix', () => {
    const plain = 'http://idp.example:8080/realms/k';
    const found = issuerFindings(facts({ configuredIssuer: plain, discovery: { ...facts({}).discovery, issuer: plain } }));
    expect(found.find((f) => f.check === 'issuer-scheme')).toEqual({
      level: 'error',
      check: 'issuer-scheme',
      message: `${plain} is plain HTTP: kube-apiserver takes only https:// issuer URLs, and refuses to start with another`,
      fix: 'serve the IdP over HTTPS and use https://idp.example:8080/realms/k here and on kube-apiserver',
    });
    expect(issuerFindings(facts({})).some((f) => f.check === 'issuer-scheme')).toBe(false);
  });
  it('Google: a Desktop client needs its secret', () => {
    const found = issuerFindings(
      facts({
        configuredIssuer: 'https://accounts.google.com',
        discovery: { issuer: 'https://accounts.google.com', code_challenge_methods_supported: ['S256'] },
      }),
    );
    expect(found.find((f) => f.check === 'google')).toMatchObject({
      level: 'error',
      fix: expect.stringContaining('KUBECTL_OIDC_CLIENT_SECRET'),
    });
  });
  it('Okta: the org authorization server cannot carry groups', () => {
    const found = issuerFindings(
      facts({
        configuredIssuer: 'https://dev-1.okta.com',
        discovery: { issuer: 'https://dev-1.okta.com', code_challenge_methods_supported: ['S256'] },
      }),
    );
    expect(found.find((f) => f.check === 'okta')?.fix).toContain('custom authorization server');
    const groups = tokenFindings({
      issuer: 'https://dev-1.okta.com/oauth2/default',
      claims: {},
      extraScopes: ['groups'],
      usernameClaim: 'sub',
      groupsClaim: 'groups',
      hasRefreshToken: true,
    });
    expect(groups.find((f) => f.check === 'groups-claim')?.fix).toContain('Okta: add a groups claim');
  });
  it('Authentik: empty JWKS and email_verified false get Authentik-specific fixes', () => {
    const authentik = 'https://auth.example.com/application/o/kubernetes/';
    const jwks = issuerFindings(facts({ configuredIssuer: authentik, discovery: { issuer: authentik }, jwksKeys: [] }));
    expect(jwks.find((f) => f.check === 'jwks')?.fix).toContain('Authentik: assign a signing key');
    const email = tokenFindings({
      issuer: authentik,
      claims: { email: 'a@b', email_verified: false },
      extraScopes: ['email'],
      usernameClaim: 'email',
      hasRefreshToken: true,
    });
    expect(email.find((f) => f.check === 'email-verified')?.fix).toContain('Authentik: replace the default email scope mapping');
  });
  it('clock skew and a missing refresh token', () => {
    expect(issuerFindings(facts({ clockSkewSec: 95 })).find((f) => f.check === 'clock')?.message).toContain('95 s behind');
    expect(
      tokenFindings({ issuer: ISSUER, claims: { sub: 'x' }, extraScopes: [], usernameClaim: 'sub', hasRefreshToken: false }).find(
        (f) => f.check === 'refresh-token',
      )?.fix,
    ).toContain('offline_access');
  });
});

describe('registration advice after a refused login', () => {
  it('names the redirect URIs, the client, the scopes or the grant to fix', () => {
    expect(loginErrorFix('redirect_uri_mismatch', '', ['http://localhost:8000', 'http://localhost:18000'], [])).toContain(
      'http://localhost:8000, http://localhost:18000',
    );
    expect(loginErrorFix('authorization_rejected', 'invalid_client: client is invalid', [], [])).toContain('--oidc-client-id');
    expect(loginErrorFix('idp_error', 'the IdP answered the login with invalid_scope: groups', [], ['groups'])).toContain(
      'allow the scopes groups',
    );
    expect(loginErrorFix('idp_error', 'the IdP answered the login with unauthorized_client', [], [])).toContain('authorization code grant');
    expect(loginErrorFix('timeout', 'no login completed', [], [])).toBeUndefined();
  });
});

describe('time claims for people', () => {
  const NOW = Date.UTC(2026, 10, 25, 12, 0, 0) / 1000;
  it('0 is unset, and far past and far future read in days and years', () => {
    expect(readableTime(0, NOW)).toBe('0 (unset)');
    expect(readableTime(NOW - 30, NOW)).toBe(`${NOW - 30} (2026-11-25T11:59:30Z, 30s ago)`);
    expect(readableTime(NOW + 3600, NOW)).toBe(`${NOW + 3600} (2026-11-25T13:00:00Z, in 60m)`);
    expect(readableTime(NOW - 3 * 86400, NOW)).toBe(`${NOW - 3 * 86400} (2026-11-22T12:00:00Z, 3d ago)`);
    expect(readableTime(1, NOW)).toBe('1 (1970-01-01T00:00:01Z, 57y ago)');
    expect(readableTime(4102444800, NOW)).toBe('4102444800 (2100-01-01T00:00:00Z, in 73y)');
  });
});
