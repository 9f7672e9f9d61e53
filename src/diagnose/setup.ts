import { readFile } from 'node:fs/promises';
import { PluginError } from '../errors.js';
import { listenPlan, redirectTarget } from '../loopback/redirect.js';
import type { IssuerInspection } from '../oidc/inspect.js';
import type { Provider } from '../oidc/provider.js';
import type { GetTokenOptions, SetupOptions } from '../options/types.js';
import { credentialToken, jwtClaims } from '../session/expiry.js';
import { sessionInfo } from '../session/info.js';
import { sessionKey } from '../session/key.js';
import { openStore } from '../session/open-store.js';
import type { TokenSet } from '../session/tokens.js';
import { type Finding, issuerFindings, loginErrorFix, tokenFindings } from './findings.js';
import {
  type JwtAuthenticator,
  judge,
  type LegacyFlags,
  legacyAuthenticator,
  parseAuthenticationConfiguration,
  type Verdict,
} from './judge.js';
import { type Snippets, snippets } from './snippets.js';

export interface SetupResult {
  ok: boolean;
  /** The report for stdout, as text or JSON. */
  report: string;
}

interface Report {
  issuer: string;
  checks: Finding[];
  token?: { header: Record<string, unknown>; claims: Record<string, unknown> };
  userinfo?: Record<string, unknown>;
  verdict?: Verdict;
  configuration?: Snippets;
  error?: string;
}

const TIME_CLAIMS = new Set(['exp', 'iat', 'nbf', 'auth_time', 'updated_at']);

const when = (seconds: number, nowSec: number): string => {
  const delta = Math.round(seconds - nowSec);
  const span =
    Math.abs(delta) >= 5400
      ? `${Math.round(Math.abs(delta) / 3600)}h`
      : Math.abs(delta) >= 90
        ? `${Math.round(Math.abs(delta) / 60)}m`
        : `${Math.abs(delta)}s`;
  return `${new Date(seconds * 1000).toISOString().replace('.000Z', 'Z')}, ${delta >= 0 ? `in ${span}` : `${span} ago`}`;
};

const MARK = { ok: '✓', warn: '!', error: '✗' } as const;

const formatText = (report: Report, nowSec: number): string => {
  const out: string[] = [`Issuer ${report.issuer}`];
  for (const f of report.checks) {
    out.push(`  ${MARK[f.level]} ${f.check}: ${f.message}`);
    if (f.fix) out.push(`      fix: ${f.fix}`);
  }
  if (report.error) out.push('', `✗ ${report.error}`);
  if (report.token) {
    out.push('', `ID token header: ${JSON.stringify(report.token.header)}`, 'ID token claims:');
    for (const [name, value] of Object.entries(report.token.claims)) {
      const shown = TIME_CLAIMS.has(name) && typeof value === 'number' ? `${value} (${when(value, nowSec)})` : JSON.stringify(value);
      out.push(`  ${name}: ${shown}`);
    }
  }
  const differing = Object.entries(report.userinfo ?? {}).filter(
    ([name, value]) => JSON.stringify(report.token?.claims[name]) !== JSON.stringify(value),
  );
  if (differing.length > 0) {
    out.push(
      '',
      'Userinfo claims that differ from the ID token:',
      ...differing.map(([name, value]) => `  ${name}: ${JSON.stringify(value)}`),
    );
  }
  if (report.verdict) {
    const v = report.verdict;
    out.push('', `What kube-apiserver makes of this token${v.authenticator ? ` (${v.authenticator})` : ''}:`);
    if (v.ok) {
      out.push(`  ✓ username: ${v.username}`, `  ✓ groups: ${JSON.stringify(v.groups)}`);
      if (v.uid) out.push(`    uid: ${v.uid}`);
      if (v.extra) out.push(`    extra: ${JSON.stringify(v.extra)}`);
    } else {
      out.push(`  ✗ rejected: ${v.reason}`);
    }
  }
  if (report.configuration) {
    const c = report.configuration;
    out.push(
      '',
      'Configure kubectl:',
      '',
      c.kubectlCommand,
      '',
      'or in the kubeconfig:',
      '',
      c.kubeconfigUser.trimEnd(),
      '',
      'Configure kube-apiserver with flags:',
      '',
      ...c.apiserverFlags.map((flag) => `  ${flag}`),
      '',
      'or with structured authentication (--authentication-config):',
      '',
      c.authenticationConfiguration.trimEnd(),
      '',
      'Grant access, for example:',
      '',
      c.clusterRoleBinding.trimEnd(),
    );
  }
  return `${out.join('\n')}\n`;
};

/** The redirect URIs this configuration can send, for the registration advice. */
const plannedRedirectUris = (o: GetTokenOptions): string[] => {
  if (o.login.redirectUrl) return [o.login.redirectUrl];
  const scheme = o.login.localServerCert ? 'https' : 'http';
  return listenPlan(o.login.listenAddresses, undefined)
    .filter((address) => address.port !== 0)
    .map((address) => redirectTarget(undefined, address.port, o.login.redirectHostname, scheme).redirectUri)
    .concat(o.login.listenAddresses.some((a) => a.endsWith(':0')) ? [`${scheme}://${o.login.redirectHostname}:<any port>`] : []);
};

const decodeHeader = (jwt: string): Record<string, unknown> => {
  try {
    return JSON.parse(Buffer.from(jwt.split('.')[0] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
};

/**
 * `kubectl-oidc setup`: checks the issuer, logs in, shows the claims, judges the token as kube-apiserver would and
 * makes the configuration for both sides. Resolves the report, and whether the cluster would accept the user with no
 * error found.
 */
export const setup = async (options: SetupOptions): Promise<SetupResult> => {
  const o = options.getToken;
  const { signingAlgs } = options.apiserver;
  const legacy: LegacyFlags = {
    ...options.apiserver,
    signingAlgs: signingAlgs.length > 0 ? signingAlgs : ['RS256'],
    issuerUrl: o.provider.issuerUrl,
    clientId: o.provider.clientId,
  };
  const authenticators: JwtAuthenticator[] = options.authenticationConfigFile
    ? parseAuthenticationConfiguration(
        await readFile(options.authenticationConfigFile, 'utf8').catch((err: NodeJS.ErrnoException) => {
          throw new PluginError(
            'usage',
            `cannot read --authentication-config ${options.authenticationConfigFile}: ${err.code ?? err.message}`,
          );
        }),
        options.authenticationConfigFile,
      )
    : [legacyAuthenticator(legacy)];
  const report: Report = { issuer: o.provider.issuerUrl, checks: [] };
  const done = (ok: boolean): SetupResult => ({
    ok,
    report: options.output === 'json' ? `${JSON.stringify(report, null, 2)}\n` : formatText(report, Date.now() / 1000),
  });

  const [{ discover }, { inspectIssuer, signatureProblem, userinfo }, { login }] = await Promise.all([
    import('../oidc/provider.js'),
    import('../oidc/inspect.js'),
    import('../login/login.js'),
  ]);
  let tokens: TokenSet;
  let provider: Provider;
  let jwks: IssuerInspection['jwks'];
  try {
    ({ provider } = await discover(o.provider));
    const inspection = await inspectIssuer(provider);
    jwks = inspection.jwks;
    const skew = inspection.date ? (Date.parse(inspection.date) - Date.now()) / 1000 : undefined;
    report.checks.push(
      ...issuerFindings({
        configuredIssuer: o.provider.issuerUrl,
        ...(o.provider.clientSecret ? { clientSecret: o.provider.clientSecret } : {}),
        extraScopes: o.provider.extraScopes,
        discovery: inspection.discovery,
        ...(Array.isArray(jwks?.keys) ? { jwksKeys: jwks.keys } : {}),
        ...(inspection.jwksError ? { jwksError: inspection.jwksError } : {}),
        ...(skew !== undefined && Number.isFinite(skew) ? { clockSkewSec: skew } : {}),
        apiserverAlgs: legacy.signingAlgs,
      }),
    );
    tokens = await login(provider, o);
  } catch (err) {
    if (!(err instanceof PluginError)) throw err;
    report.error = `${err.message}${err.hint ? ` — ${err.hint}` : ''}`;
    const fix = loginErrorFix(err.code, err.message, plannedRedirectUris(o), o.provider.extraScopes);
    if (fix) report.checks.push({ level: 'error', check: 'registration', message: err.message, fix });
    return done(false);
  }

  if (!tokens.idToken) {
    report.error = 'the IdP returned no ID token: kube-apiserver authenticates with the ID token';
    return done(false);
  }
  const claims = jwtClaims(tokens.idToken) ?? {};
  const header = decodeHeader(tokens.idToken);
  report.token = { header, claims };
  if (tokens.accessToken && typeof claims.sub === 'string') {
    const info = await userinfo(provider, tokens.accessToken, claims.sub);
    if (info) report.userinfo = info;
  }
  const signatureError = await signatureProblem(tokens.idToken, jwks);
  report.verdict = judge({ header, claims, ...(signatureError ? { signatureError } : {}) }, authenticators, Date.now() / 1000);
  report.checks.push(
    ...tokenFindings({
      issuer: o.provider.issuerUrl,
      claims,
      extraScopes: o.provider.extraScopes,
      usernameClaim: options.apiserver.usernameClaim,
      ...(options.apiserver.groupsClaim ? { groupsClaim: options.apiserver.groupsClaim } : {}),
      hasRefreshToken: Boolean(tokens.refreshToken),
    }),
  );
  const verdict = report.verdict;
  report.configuration = snippets(
    o,
    legacy,
    verdict.ok ? { username: verdict.username, ...(verdict.groups[0] ? { group: verdict.groups[0] } : {}) } : {},
    { userName: options.kubeconfigUser, showSecrets: options.showSecrets, command: 'kubectl-oidc' },
  );
  if (options.saveSession) {
    const store = await openStore(o.cache);
    await store.save(sessionKey(o), tokens, sessionInfo(o, tokens, credentialToken(tokens, o.useAccessToken)?.expiresAt));
  }
  return done(verdict.ok && !report.checks.some((f) => f.level === 'error'));
};
