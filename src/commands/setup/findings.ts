/**
 * The checks `setup` makes and the field guides' gotchas, each with the fix that worked (shared/seeds). Pure: the
 * facts are gathered elsewhere.
 */
/** A check's outcome; an error always says what to change (`setup` prints it as the ✗'s fix line). */
export type Finding =
  | { level: 'ok' | 'warn'; check: string; message: string; fix?: string }
  | { level: 'error'; check: string; message: string; fix: string };

export interface IssuerFacts {
  configuredIssuer: string;
  clientSecret?: string;
  extraScopes: string[];
  discovery: Record<string, unknown>;
  jwksKeys?: { kty?: string; alg?: string; use?: string }[];
  jwksError?: string;
  /** IdP clock minus ours, in seconds. */
  clockSkewSec?: number;
  /** Algorithms the API server will accept (legacy default RS256). */
  apiserverAlgs: string[];
}

const list = (value: unknown): string[] | undefined => (Array.isArray(value) ? value.map(String) : undefined);
const host = (url: string): string => {
  try {
    return new URL(url).host;
  } catch {
    return '';
  }
};

const KTY_OF_ALG: Record<string, string> = { RS: 'RSA', PS: 'RSA', ES: 'EC', Ed: 'OKP' };

export const issuerFindings = (facts: IssuerFacts): Finding[] => {
  const findings: Finding[] = [];
  const d = facts.discovery;
  const discovered = String(d.issuer);
  if (facts.configuredIssuer.startsWith('http://')) {
    findings.push({
      level: 'error',
      check: 'issuer-scheme',
      message: `${facts.configuredIssuer} is plain HTTP: kube-apiserver takes only https:// issuer URLs, and refuses to start with another`,
      fix: `serve the IdP over HTTPS and use https://${facts.configuredIssuer.slice('http://'.length)} here and on kube-apiserver`,
    });
  }
  findings.push(
    discovered === facts.configuredIssuer
      ? { level: 'ok', check: 'issuer', message: `the discovery document names issuer "${discovered}", exactly --oidc-issuer-url` }
      : {
          level: 'error',
          check: 'issuer',
          message:
            `the discovery document names issuer "${discovered}" but --oidc-issuer-url is "${facts.configuredIssuer}"` +
            (discovered.replace(/\/$/, '') === facts.configuredIssuer.replace(/\/$/, '') ? ' (they differ in the trailing slash)' : '') +
            `; tokens carry iss="${discovered}" and kube-apiserver compares it byte for byte`,
          fix: `use --oidc-issuer-url=${discovered} here and the same string as kube-apiserver's issuer URL`,
        },
  );

  const algs = list(d.id_token_signing_alg_values_supported) ?? ['RS256'];
  const keys = facts.jwksKeys ?? [];
  if (facts.jwksError || keys.length === 0) {
    findings.push({
      level: 'error',
      check: 'jwks',
      message: facts.jwksError
        ? `the JWKS could not be read: ${facts.jwksError}`
        : `the JWKS at ${String(d.jwks_uri)} has no keys, so kube-apiserver cannot verify any token`,
      fix:
        host(facts.configuredIssuer) && /\/application\/o\//.test(facts.configuredIssuer)
          ? 'Authentik: assign a signing key (e.g. "authentik Self-signed Certificate") to the OAuth2 provider'
          : 'configure a signing key for this client at the IdP',
    });
  } else {
    const usable = algs.filter((alg) =>
      keys.some((key) => (!key.alg || key.alg === alg) && key.kty === KTY_OF_ALG[alg.slice(0, 2)] && key.use !== 'enc'),
    );
    findings.push(
      usable.length > 0
        ? { level: 'ok', check: 'jwks', message: `${keys.length} key(s), usable for ${usable.join(', ')}` }
        : {
            level: 'error',
            check: 'jwks',
            message: `no key in the JWKS fits the advertised algorithms ${algs.join(', ')}`,
            fix: `publish a ${algs[0]} signing key in the JWKS at the IdP, or advertise the algorithm its keys are for`,
          },
    );
    if (!facts.apiserverAlgs.some((alg) => algs.includes(alg))) {
      findings.push({
        level: 'warn',
        check: 'signing-algorithm',
        message: `the IdP signs ID tokens with ${algs.join(', ')} but kube-apiserver accepts ${facts.apiserverAlgs.join(', ')}`,
        fix: `set kube-apiserver --oidc-signing-algs=${algs[0]}`,
      });
    }
  }

  const pkce = list(d.code_challenge_methods_supported);
  if (!pkce) {
    findings.push({
      level: 'warn',
      check: 'pkce',
      message:
        'the discovery document does not advertise PKCE (code_challenge_methods_supported is missing, as with Microsoft Entra ID); ' +
        'kubectl-oidc sends S256 anyway, tools that auto-detect do not',
      fix: 'pass --oidc-pkce-method=S256 to state it (kubelogin needs it); require PKCE for this client at the IdP if it can',
    });
  } else if (!pkce.includes('S256')) {
    findings.push({
      level: 'error',
      check: 'pkce',
      message: `the IdP offers PKCE methods ${pkce.join(', ')} but not S256`,
      fix: 'enable S256 PKCE at the IdP, or --oidc-pkce-method=no',
    });
  } else {
    findings.push({ level: 'ok', check: 'pkce', message: 'S256 PKCE advertised' });
  }

  const grants = list(d.grant_types_supported);
  const scopes = list(d.scopes_supported);
  const offered = (scope: string): boolean | undefined => (scopes ? scopes.includes(scope) : undefined);
  findings.push({
    level: 'ok',
    check: 'grants',
    message:
      `device code ${d.device_authorization_endpoint ? 'available' : 'not offered'}; ` +
      `refresh tokens ${grants ? (grants.includes('refresh_token') ? 'offered' : 'not listed') : 'not stated'}; ` +
      `scopes email ${offered('email') ?? '?'}, groups ${offered('groups') ?? '?'}, offline_access ${offered('offline_access') ?? '?'}`,
  });
  for (const scope of facts.extraScopes) {
    if (scopes && !scopes.includes(scope)) {
      findings.push({
        level: 'warn',
        check: 'scopes',
        message: `--oidc-extra-scope=${scope} is not in the IdP's scopes_supported`,
        fix: `check the scope name, or add the scope at the IdP`,
      });
    }
  }
  if (facts.clockSkewSec !== undefined && Math.abs(facts.clockSkewSec) > 30) {
    findings.push({
      level: 'warn',
      check: 'clock',
      message:
        `this machine's clock is ${Math.abs(Math.round(facts.clockSkewSec))} s ` +
        `${facts.clockSkewSec > 0 ? 'behind' : 'ahead of'} the IdP's; ` +
        `kube-apiserver allows no leeway on exp and 1 minute on nbf`,
      fix: 'synchronize the clocks (NTP) of this machine, the IdP and the API server',
    });
  }
  if (host(facts.configuredIssuer) === 'accounts.google.com' && !facts.clientSecret) {
    findings.push({
      level: 'error',
      check: 'google',
      message: 'Google "Desktop app" clients require the client secret at the token endpoint, even with PKCE',
      fix: 'pass the client secret (KUBECTL_OIDC_CLIENT_SECRET, or --oidc-client-secret)',
    });
  }
  if (/\.okta(preview)?\.com$/.test(host(facts.configuredIssuer)) && !/\/oauth2\//.test(facts.configuredIssuer)) {
    findings.push({
      level: 'warn',
      check: 'okta',
      message: "this is Okta's org authorization server, which cannot put a groups claim in ID tokens",
      fix: 'use a custom authorization server (https://<org>.okta.com/oauth2/<id>) with a "groups" scope and claim',
    });
  }
  return findings;
};

export interface TokenFactsForFindings {
  issuer: string;
  claims: Record<string, unknown>;
  extraScopes: string[];
  usernameClaim: string;
  groupsClaim?: string;
  hasRefreshToken: boolean;
  /** The userinfo endpoint's claims, where the IdP has one: some IdPs release claims there and not in the ID token. */
  userinfo?: Record<string, unknown>;
}

const ONLY_IN_USERINFO_FIX =
  'make the IdP put its claims in the ID token too (LemonLDAP::NG: the relying party\'s "Force claims to be returned in ' +
  'ID Token"; Keycloak: "Add to ID token" on the mapper); kube-apiserver reads only the ID token';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const tokenFindings = (facts: TokenFactsForFindings): Finding[] => {
  const findings: Finding[] = [];
  const c = facts.claims;
  const authentik = /\/application\/o\//.test(facts.issuer);
  if (facts.usernameClaim === 'email') {
    if (!('email' in c)) {
      findings.push({
        level: 'error',
        check: 'email-claim',
        message:
          'the ID token has no email claim, so kube-apiserver rejects it: oidc: parse username claims "email": claim not present' +
          (facts.userinfo && 'email' in facts.userinfo ? ' (the IdP releases email in userinfo only)' : ''),
        fix:
          facts.userinfo && 'email' in facts.userinfo
            ? ONLY_IN_USERINFO_FIX
            : facts.extraScopes.includes('email')
              ? 'make the IdP release email in the ID token for this client'
              : 'add --oidc-extra-scope=email (IdPs release email only with that scope)',
      });
    } else if ('email_verified' in c && c.email_verified !== true) {
      findings.push({
        level: 'error',
        check: 'email-verified',
        message: 'the ID token says email_verified: false, so kube-apiserver rejects it: oidc: email not verified',
        fix: authentik
          ? 'Authentik: replace the default email scope mapping with one that returns "email_verified": True'
          : 'verify the address at the IdP, or map the username from another claim (e.g. --oidc-username-claim=sub)',
      });
    }
  }
  if (facts.groupsClaim) {
    const groups = c[facts.groupsClaim];
    if (groups === undefined) {
      findings.push({
        level: 'warn',
        check: 'groups-claim',
        message: `the ID token has no "${facts.groupsClaim}" claim: the user gets no groups from the IdP`,
        fix:
          facts.userinfo && facts.groupsClaim in facts.userinfo
            ? ONLY_IN_USERINFO_FIX
            : facts.extraScopes.includes('groups')
              ? /okta/.test(facts.issuer)
                ? 'Okta: add a groups claim to the custom authorization server, tied to the groups scope'
                : 'make the IdP release the groups claim in the ID token for this client'
              : 'add --oidc-extra-scope=groups (Authentik, Okta and Keycloak release groups only with a scope)',
      });
    } else if (Array.isArray(groups) && groups.length > 0 && groups.every((g) => typeof g === 'string' && GUID.test(g))) {
      findings.push({
        level: 'warn',
        check: 'groups-ids',
        message: `the groups are object IDs (${String(groups[0])}, …), as Microsoft Entra ID sends them (at most 200)`,
        fix: 'bind RBAC to the object IDs, or assign the groups to the enterprise application to get names',
      });
    }
  }
  if (!facts.hasRefreshToken) {
    findings.push({
      level: 'warn',
      check: 'refresh-token',
      message: 'the IdP issued no refresh token: the browser opens again every time the ID token expires',
      fix: facts.extraScopes.includes('offline_access')
        ? 'allow refresh tokens for this client at the IdP'
        : 'add --oidc-extra-scope=offline_access (or allow refresh tokens for this client)',
    });
  }
  return findings;
};

/** Claims IdPs put groups in, most common first (Entra: roles for app roles; Cognito; AD-style memberOf). */
const GROUPS_LIKE = ['groups', 'roles', 'cognito:groups', 'memberOf', 'group'];

/** The claim that looks like the user's groups: a non-empty list of strings, or undefined. */
export const groupsLikeClaim = (claims: Record<string, unknown>): string | undefined =>
  GROUPS_LIKE.find((name) => {
    const value = claims[name];
    return Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === 'string');
  });

/** The token carries groups, the API server's configuration maps none: say how to map them. */
export const groupsFinding = (claim: string, value: unknown): Finding => ({
  level: 'warn',
  check: 'groups-mapping',
  message:
    `the token carries ${claim}: ${JSON.stringify(value).slice(0, 120)}, but kube-apiserver maps no groups claim, ` +
    'so the user gets no groups from the IdP',
  fix:
    `set --oidc-groups-claim=${claim} --oidc-groups-prefix=oidc: on kube-apiserver (or claimMappings.groups in the ` +
    'AuthenticationConfiguration), and pass the same to setup to see the result',
});

/** What a refresh right after the login showed about every later one. */
export const refreshFinding = (carriesIdToken: boolean, idTokenExpiresAt: number | undefined, nowSec: number): Finding => {
  if (carriesIdToken) {
    return { level: 'ok', check: 'refresh', message: 'a refresh returns a new ID token: kubectl-oidc renews it without the browser' };
  }
  const lifetime = idTokenExpiresAt ? Math.round((idTokenExpiresAt - nowSec) / 60) : undefined;
  return {
    level: 'warn',
    check: 'refresh',
    message:
      "the IdP's refresh answers carry no ID token, even when the openid scope is asked for (OpenID Connect Core §12.2 " +
      `allows it): the browser opens whenever the ID token expires${lifetime !== undefined ? ` (it lives ${lifetime} min)` : ''}`,
    fix:
      'have the IdP return the ID token on refresh (or issue longer-lived ID tokens), or use --oidc-use-access-token where ' +
      'the cluster accepts JWT access tokens',
  };
};

/** What to fix at the IdP registration when it refused the login. */
export const loginErrorFix = (code: string, message: string, redirectUris: string[], extraScopes: string[]): string | undefined => {
  if (code === 'redirect_uri_mismatch') {
    return (
      `register the loopback redirect URIs this configuration uses: ${redirectUris.join(', ')} ` +
      `(or one pattern for any port, where the IdP has them)`
    );
  }
  if (/invalid_client|unknown client|client not found/i.test(message)) {
    return 'check --oidc-client-id (and --oidc-client-secret for confidential clients) against the client registered at the IdP';
  }
  if (/invalid_scope|unauthorized.scope|scope/i.test(message) && extraScopes.length > 0) {
    return (
      `allow the scopes ${extraScopes.join(', ')} for this client at the IdP, ` +
      `or drop the ones it does not offer from --oidc-extra-scope`
    );
  }
  if (/unauthorized_client|unsupported_response_type/i.test(message)) {
    return 'enable the authorization code grant (with PKCE) for this client at the IdP';
  }
  if (/access_denied/i.test(message)) return 'assign the user (or their group) to the application at the IdP, then sign in again';
  return undefined;
};
