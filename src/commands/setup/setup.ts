import { readFile } from 'node:fs/promises';
import type { Ambient } from '../../ambient.js';
import { PluginError } from '../../errors.js';
import { listenPlan, redirectTarget } from '../../loopback/redirect.js';
import type { IssuerInspection } from '../../oidc/inspect.js';
import type { Provider } from '../../oidc/provider.js';
import { kubeconfigArgs } from '../../options/kubeconfig-args.js';
import type { GetTokenOptions, SetupOptions } from '../../options/types.js';
import { credentialToken, jwtClaims } from '../../session/expiry.js';
import type { TokenSet } from '../../session/tokens.js';
import type { Obtained, SessionAdapters } from '../../sessions/obtain.js';
import { type Finding, groupsFinding, groupsLikeClaim, issuerFindings, loginErrorFix, refreshFinding, tokenFindings } from './findings.js';
import {
  type JwtAuthenticator,
  judge,
  type LegacyFlags,
  legacyAuthenticator,
  parseAuthenticationConfiguration,
  type Verdict,
} from './judge.js';
import { type ClusterTrust, type Snippets, snippets } from './snippets.js';

export interface SetupResult {
  /** The report for stdout, as text or JSON; empty text when the issuer was never reached (there is nothing to show). */
  report: string;
  /** What the report says, for a command that shows it its own way (login). */
  checked: Report;
  /** Why the cluster would not take this login, as the one line for stderr; absent when all is well. */
  failure?: PluginError;
}

export interface Report {
  issuer: string;
  checks: Finding[];
  /** The token get-token would hand to kubectl, decoded when it is a JWT. */
  token?: { kind: 'ID token' | 'access token'; header: Record<string, unknown>; claims: Record<string, unknown> };
  userinfo?: Record<string, unknown>;
  verdict?: Verdict;
  configuration?: Snippets;
  /** Why the configuration was not tried: the login did not complete. */
  untested?: string;
  error?: string;
}

const TIME_CLAIMS = new Set(['exp', 'iat', 'nbf', 'auth_time', 'updated_at']);

/** A unit is used from `from` of them on: 90 s reads "2m", 36 h "36h", 3 days "3d". */
const UNITS = [
  { unit: 'y', size: 365.25 * 86400, from: 2 },
  { unit: 'd', size: 86400, from: 2 },
  { unit: 'h', size: 3600, from: 1.5 },
  { unit: 'm', size: 60, from: 1.5 },
];

const span = (seconds: number): string => {
  const unit = UNITS.find(({ size, from }) => seconds >= size * from);
  return unit ? `${Math.round(seconds / unit.size)}${unit.unit}` : `${Math.round(seconds)}s`;
};

/** A time claim for people: 0 is "unset" (some IdPs send auth_time: 0), others as a date and how far from now. */
export const readableTime = (seconds: number, nowSec: number): string => {
  if (seconds === 0) return '0 (unset)';
  const delta = Math.round(seconds - nowSec);
  const date = new Date(seconds * 1000);
  const shown = Number.isNaN(date.getTime()) ? 'not a date' : date.toISOString().replace('.000Z', 'Z');
  return `${seconds} (${shown}, ${delta >= 0 ? `in ${span(delta)}` : `${span(-delta)} ago`})`;
};

const MARK = { ok: '✓', warn: '!', error: '✗' } as const;

const checkLines = (checks: Finding[]): string[] =>
  checks.flatMap((f) => [`  ${MARK[f.level]} ${f.check}: ${f.message}`, ...(f.fix ? [`      fix: ${f.fix}`] : [])]);

/** The report briefly (login's): what is wrong or worth a look, and the verdict for the cluster's audience. */
export const briefText = (report: Report, audience: string): string[] => {
  const out = [`Issuer ${report.issuer}`, ...checkLines(report.checks.filter((check) => check.level !== 'ok'))];
  const v = report.verdict;
  if (v?.ok) out.push(`  ✓ kube-apiserver (audience ${audience}) takes it: username ${v.username}, groups ${JSON.stringify(v.groups)}`);
  else if (v) out.push(`  ✗ kube-apiserver (audience ${audience}) would reject it: ${v.reason}`);
  return out;
};

const formatText = (report: Report, nowSec: number): string => {
  const out: string[] = [`Issuer ${report.issuer}`, ...checkLines(report.checks)];
  if (report.error) out.push('', `✗ ${report.error}`);
  if (report.token) {
    const title = report.token.kind === 'ID token' ? 'ID token' : 'Access token';
    out.push('', `${title} header: ${JSON.stringify(report.token.header)}`, `${title} claims:`);
    for (const [name, value] of Object.entries(report.token.claims)) {
      const shown = TIME_CLAIMS.has(name) && typeof value === 'number' ? readableTime(value, nowSec) : JSON.stringify(value);
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
      out.push(`  ✗ rejected: ${v.reason}`, `      fix: ${v.fix}`);
    }
  }
  if (report.configuration) {
    const c = report.configuration;
    if (report.untested) out.push('', `The configuration below is untested: ${report.untested}.`);
    out.push(
      '',
      'Configure kubectl (kubectl 1.30 or later, for --exec-interactive-mode):',
      '',
      c.kubectlCommand,
      ...c.localArgs.map(({ arg, why }) => `  ! ${arg}: ${why}`),
      '',
      'or in the kubeconfig (any kubectl since 1.22):',
      '',
      c.kubeconfigUser.trimEnd(),
      '',
      'Configure kube-apiserver with flags:',
      '',
      ...c.apiserverFlags.map((flag) => `  ${flag}`),
      ...c.apiserverNotes.map((note) => `  # ${note}`),
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

/** The IdP's CA for the API server, from the CA the plugin was given: its file path and the PEM. */
const clusterTrust = async (o: GetTokenOptions): Promise<ClusterTrust> => {
  const { extraCertificateAuthorities } = await import('../../oidc/fetch.js');
  const pems = extraCertificateAuthorities(o.provider);
  return {
    ...(o.provider.certificateAuthorityFiles[0] ? { caFile: o.provider.certificateAuthorityFiles[0] } : {}),
    ...(pems.length > 0 ? { caPem: pems.map((pem) => pem.trim()).join('\n') } : {}),
  };
};

/**
 * `kubectl-oidc setup`: checks the issuer, logs in, shows the claims, judges the token as kube-apiserver would and
 * makes the configuration for both sides. Resolves the report, and why the cluster would not accept the user or what
 * error was found, if so.
 */
export const setup = async (
  options: SetupOptions,
  ambient: Ambient,
  /** The environment the command started with (its secrets included): what the hit file it publishes stands for. */
  environment: NodeJS.ProcessEnv = process.env,
): Promise<SetupResult> => {
  const o = options.getToken;
  const nowSec = (): number => ambient.clock.now() / 1000;
  const { signingAlgs } = options.apiserver;
  const legacy: LegacyFlags = {
    ...options.apiserver,
    signingAlgs: signingAlgs.length > 0 ? signingAlgs : ['RS256'],
    issuerUrl: o.provider.issuerUrl,
    // The cluster's audience: --oidc-audience's exchanged token is the one kubectl will send.
    clientId: o.provider.audience ?? o.provider.clientId,
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
  const cluster = await clusterTrust(o);
  const done = (failure: PluginError | undefined, verdict?: Verdict, claims?: Record<string, unknown>): SetupResult => {
    // The configuration for both sides, whatever the verdict: what to fix is in the checks above it.
    const groupsClaim = verdict?.ok && verdict.groups.length === 0 && claims ? groupsLikeClaim(claims) : undefined;
    report.configuration = snippets(
      o,
      legacy,
      verdict?.ok ? { username: verdict.username, ...(verdict.groups[0] ? { group: verdict.groups[0] } : {}) } : {},
      { userName: options.kubeconfigUser, showSecrets: options.showSecrets, command: 'kubectl-oidc' },
      { ...cluster, ...(groupsClaim ? { suggestedGroupsClaim: groupsClaim } : {}) },
    );
    return { report: formatted(), checked: report, ...(failure ? { failure } : {}) };
  };
  const formatted = (): string => (options.output === 'json' ? `${JSON.stringify(report, null, 2)}\n` : formatText(report, nowSec()));
  let reached = false;

  const [{ discover }, { inspectIssuer, signatureProblem, userinfo }, { sessionAdapters }, { obtain }, { AnswerRejected }] =
    await Promise.all([
      import('../../oidc/provider.js'),
      import('../../oidc/inspect.js'),
      import('../../sessions/adapters.js'),
      import('../../sessions/obtain.js'),
      import('../../oidc/verify.js'),
    ]);
  // The tokens come from the session service, as get-token's do: a valid session is reused (unless --force-login), a
  // new one saved with its lock, cool-down and hit file. Without --save-session they live as long as this process.
  const sessionOptions: GetTokenOptions = options.saveSession ? o : { ...o, cache: { ...o.cache, tokenCacheStorage: 'none' } };
  let obtained: Obtained | undefined;
  let tokens: TokenSet;
  let provider: Provider;
  let jwks: IssuerInspection['jwks'];
  let session: SessionAdapters;
  try {
    const discovery = await discover(o.provider, {}, ambient, { reportMismatch: true });
    reached = true;
    provider = discovery.provider;
    const inspection = await inspectIssuer(provider, discovery.fetched);
    jwks = inspection.jwks;
    const skew = inspection.date ? Date.parse(inspection.date) / 1000 - nowSec() : undefined;
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
    session = await sessionAdapters(
      sessionOptions,
      {
        interactive: Boolean(process.stdin.isTTY) && Boolean(process.stderr.isTTY),
        askedByPerson: true,
        run: { args: kubeconfigArgs(o).args, env: environment },
        // The document and keys just inspected: the login asks the IdP for neither again.
        ...(discovery.fetched
          ? {
              seen: {
                metadata: discovery.fetched.metadata,
                maxAgeSec: discovery.fetched.maxAgeSec,
                ...(Array.isArray(jwks?.keys) ? { jwks: jwks as { keys: unknown[] } } : {}),
              },
            }
          : {}),
      },
      ambient,
    );
    try {
      obtained = await obtain(sessionOptions, session, options.forceLogin ? { renew: 'login' } : {});
      tokens = obtained.tokens;
    } catch (err) {
      // An answer whose ID token does not verify is judged all the same (kube-apiserver would refuse it), and kept nowhere.
      if (!(err instanceof AnswerRejected) || !err.unverified) throw err;
      tokens = err.unverified;
    }
  } catch (err) {
    if (!(err instanceof PluginError) || err.code === 'interrupted') throw err;
    report.error = `${err.message}${err.hint ? ` — ${err.hint}` : ''}`;
    // An issuer never reached has nothing to report and no configuration worth printing: the error is all.
    if (!reached) return { report: options.output === 'json' ? formatted() : '', checked: report, failure: err };
    const fix = loginErrorFix(err.code, err.message, plannedRedirectUris(o), o.provider.extraScopes);
    if (fix) report.checks.push({ level: 'error', check: 'registration', message: err.message, fix });
    report.untested = 'the login did not complete';
    return done(err);
  }
  /** With --oidc-audience: the client's own session, which the audience's token was exchanged from. */
  const subjectTokens = obtained?.subject?.tokens;

  const kind = o.useAccessToken || tokens.accessTokenIsCredential ? 'access token' : 'ID token';
  const credential = credentialToken(tokens, o.useAccessToken);
  if (!credential) {
    report.error = `the IdP returned no ${kind}: kubectl-oidc would have nothing to give kubectl`;
    return done(new PluginError('login_failed', report.error));
  }
  const claims = jwtClaims(credential.token);
  if (!claims) {
    const opaque = `the ${kind} is opaque (not a JWT): kube-apiserver cannot verify it`;
    const fix = 'have the IdP issue JWT access tokens for an audience the API server accepts (often a resource or audience setting)';
    report.verdict = { ok: false, reason: opaque, fix };
    report.checks.push({
      level: 'error',
      check: 'credential',
      message: `the ${kind} the IdP issued is opaque, and kube-apiserver authenticates only JWTs it can verify`,
      fix,
    });
    return done(new PluginError('rejected', opaque, 'the report above says what to change'));
  }
  const header = decodeHeader(credential.token);
  report.token = { kind, header, claims };
  if (tokens.accessToken && typeof claims.sub === 'string' && kind === 'ID token') {
    try {
      const info = await userinfo(provider, tokens.accessToken, claims.sub);
      if (info) report.userinfo = info;
    } catch (err) {
      if (!(err instanceof PluginError) || err.code === 'interrupted') throw err;
      report.checks.push({ level: 'warn', check: 'userinfo', message: err.message, ...(err.hint ? { fix: err.hint } : {}) });
    }
  }
  const signatureError = await signatureProblem(credential.token, jwks);
  report.verdict = judge({ header, claims, ...(signatureError ? { signatureError } : {}) }, authenticators, nowSec());
  report.checks.push(
    ...tokenFindings({
      issuer: o.provider.issuerUrl,
      claims,
      extraScopes: o.provider.extraScopes,
      usernameClaim: options.apiserver.usernameClaim,
      ...(options.apiserver.groupsClaim ? { groupsClaim: options.apiserver.groupsClaim } : {}),
      hasRefreshToken: Boolean((subjectTokens ?? tokens).refreshToken) || kind === 'access token',
      ...(report.userinfo ? { userinfo: report.userinfo } : {}),
    }),
  );
  if (obtained?.via === 'login' && tokens.refreshToken && kind === 'ID token') {
    // What every later refresh will do: one refresh now, through the session service (its answer is the one kept).
    try {
      tokens = (await obtain(sessionOptions, session, { renew: 'refresh' })).tokens;
      report.checks.push(refreshFinding(true, credential.expiresAt, nowSec()));
    } catch (err) {
      if (err instanceof PluginError && err.code === 'interrupted') throw err;
      report.checks.push(
        err instanceof PluginError && err.code === 'no_id_token'
          ? refreshFinding(false, credential.expiresAt, nowSec())
          : {
              level: 'warn',
              check: 'refresh',
              message: `a refresh right after the login failed: ${err instanceof PluginError ? err.message : String(err)}`,
              fix: 'allow the refresh_token grant for this client at the IdP',
            },
      );
    }
  }
  const verdict = report.verdict;
  if (verdict.ok && verdict.groups.length === 0) {
    const groupsClaim = groupsLikeClaim(claims);
    if (groupsClaim) report.checks.push(groupsFinding(groupsClaim, claims[groupsClaim]));
  }
  if (!obtained && options.saveSession) {
    report.checks.push({
      level: 'error',
      check: 'session',
      message: 'the session was not saved: its token does not verify',
      fix: 'fix the signing keys at the IdP, then run setup again',
    });
  }
  const errors = report.checks.filter((f) => f.level === 'error');
  const problem = verdict.ok
    ? errors[0] && `${errors[0].check}: ${errors[0].message}`
    : `kube-apiserver would reject this token: ${verdict.reason}`;
  const count = errors.length + (verdict.ok ? 0 : 1);
  const failure = problem
    ? new PluginError('rejected', `${problem}${count > 1 ? ` (and ${count - 1} more)` : ''}`, 'the report above says how to fix each ✗')
    : undefined;
  return done(failure, verdict, claims);
};
