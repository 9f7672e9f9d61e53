import { evaluate } from '@marcbachmann/cel-js';
import { parse as parseYaml } from 'yaml';
import { PluginError } from '../../errors.js';
import { audienceList } from '../../session/expiry.js';

/**
 * How kube-apiserver turns an ID token into a user, for both ways of configuring it: the legacy --oidc-* flags and
 * a structured AuthenticationConfiguration (apiserver.config.k8s.io v1beta1/v1). The messages are the API server's own
 * (staging/src/k8s.io/apiserver/plugin/pkg/authenticator/token/oidc).
 */

export type ClaimValidationRule = { claim: string; requiredValue: string } | { expression: string; message?: string };

export interface ClaimOrExpression {
  claim?: string;
  prefix?: string;
  expression?: string;
}

export interface JwtAuthenticator {
  issuer: { url: string; audiences: string[]; discoveryURL?: string };
  claimValidationRules: ClaimValidationRule[];
  claimMappings: {
    username: ClaimOrExpression;
    groups?: ClaimOrExpression;
    uid?: ClaimOrExpression;
    extra?: { key: string; valueExpression: string }[];
  };
  userValidationRules: { expression: string; message?: string }[];
  /** Algorithms the legacy --oidc-signing-algs accepts (RS256 by default). */
  signingAlgs?: string[];
  source: string;
}

export interface LegacyFlags {
  issuerUrl: string;
  clientId: string;
  usernameClaim: string;
  usernamePrefix?: string;
  groupsClaim?: string;
  groupsPrefix?: string;
  requiredClaims: Record<string, string>;
  signingAlgs: string[];
}

/** The legacy flags' username prefix: a username claim other than email gets "<issuer>#" unless told; "-" is none. */
export const legacyUsernamePrefix = (flags: Pick<LegacyFlags, 'usernamePrefix' | 'usernameClaim' | 'issuerUrl'>): string => {
  if (flags.usernamePrefix === undefined) return flags.usernameClaim === 'email' ? '' : `${flags.issuerUrl}#`;
  return flags.usernamePrefix === '-' ? '' : flags.usernamePrefix;
};

/** The legacy flags as the API server reads them. */
export const legacyAuthenticator = (flags: LegacyFlags): JwtAuthenticator => {
  const prefix = legacyUsernamePrefix(flags);
  return {
    issuer: { url: flags.issuerUrl, audiences: [flags.clientId] },
    claimValidationRules: Object.entries(flags.requiredClaims).map(([claim, requiredValue]) => ({ claim, requiredValue })),
    claimMappings: {
      username: { claim: flags.usernameClaim, prefix },
      ...(flags.groupsClaim ? { groups: { claim: flags.groupsClaim, prefix: flags.groupsPrefix ?? '' } } : {}),
    },
    userValidationRules: [],
    signingAlgs: flags.signingAlgs,
    source: 'kube-apiserver --oidc-* flags',
  };
};

const asRecord = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
const asString = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

const mapping = (value: unknown): ClaimOrExpression | undefined => {
  const record = asRecord(value);
  const claim = asString(record.claim);
  const prefix = asString(record.prefix);
  const expression = asString(record.expression);
  if (claim === undefined && expression === undefined) return undefined;
  return {
    ...(claim !== undefined ? { claim } : {}),
    ...(prefix !== undefined ? { prefix } : {}),
    ...(expression !== undefined ? { expression } : {}),
  };
};

/** Reads an AuthenticationConfiguration file (YAML or JSON), v1beta1 or v1. */
export const parseAuthenticationConfiguration = (text: string, source: string): JwtAuthenticator[] => {
  let document: Record<string, unknown>;
  try {
    document = asRecord(parseYaml(text));
  } catch (err) {
    throw new PluginError('usage', `${source} is not YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (
    document.kind !== 'AuthenticationConfiguration' ||
    !/^apiserver\.config\.k8s\.io\/(v1|v1beta1|v1alpha1)$/.test(String(document.apiVersion))
  ) {
    throw new PluginError('usage', `${source} is not an AuthenticationConfiguration (apiserver.config.k8s.io/v1beta1 or v1)`);
  }
  const jwt = Array.isArray(document.jwt) ? document.jwt : [];
  return jwt.map((entry, index) => {
    const record = asRecord(entry);
    const issuer = asRecord(record.issuer);
    const url = asString(issuer.url);
    const audiences = Array.isArray(issuer.audiences) ? issuer.audiences.map(String) : [];
    const username = mapping(asRecord(record.claimMappings).username);
    if (!url || audiences.length === 0 || !username) {
      throw new PluginError('usage', `${source}: jwt[${index}] needs issuer.url, issuer.audiences and claimMappings.username`);
    }
    const mappings = asRecord(record.claimMappings);
    const groups = mapping(mappings.groups);
    const uid = mapping(mappings.uid);
    const extra = (Array.isArray(mappings.extra) ? mappings.extra : []).map((item) => ({
      key: String(asRecord(item).key),
      valueExpression: String(asRecord(item).valueExpression),
    }));
    return {
      issuer: { url, audiences, ...(asString(issuer.discoveryURL) ? { discoveryURL: asString(issuer.discoveryURL)! } : {}) },
      claimValidationRules: (Array.isArray(record.claimValidationRules) ? record.claimValidationRules : []).map((rule) => {
        const r = asRecord(rule);
        return asString(r.expression) !== undefined
          ? { expression: String(r.expression), ...(asString(r.message) ? { message: String(r.message) } : {}) }
          : { claim: String(r.claim), requiredValue: String(r.requiredValue ?? '') };
      }),
      claimMappings: { username, ...(groups ? { groups } : {}), ...(uid ? { uid } : {}), ...(extra.length ? { extra } : {}) },
      userValidationRules: (Array.isArray(record.userValidationRules) ? record.userValidationRules : []).map((rule) => ({
        expression: String(asRecord(rule).expression),
        ...(asString(asRecord(rule).message) ? { message: String(asRecord(rule).message) } : {}),
      })),
      source: `${source} jwt[${index}]`,
    };
  });
};

export interface TokenFacts {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  /** undefined when the signature verified against the IdP's JWKS, else why it did not. */
  signatureError?: string;
}

export type Verdict =
  | { ok: true; authenticator: string; username: string; groups: string[]; uid?: string; extra?: Record<string, string[]> }
  | { ok: false; authenticator?: string; reason: string; fix: string; silent?: boolean };

/** kube-apiserver's refusal, as it would log it, and what to change so that it takes the token. */
class Rejection extends Error {
  constructor(
    message: string,
    readonly fix: string,
  ) {
    super(message);
  }
}

const FIX_EXPRESSION = 'correct the expression in the AuthenticationConfiguration (guard claims that may be absent with has(claims.x))';
/** Claims a username is commonly mapped from, those this token has. */
const usableClaims = (claims: Record<string, unknown>): string =>
  ['email', 'preferred_username', 'upn', 'sub', 'oid'].filter((name) => typeof claims[name] === 'string').join(', ') || 'sub';

const cel = (expression: string, context: Record<string, unknown>, what: string): unknown => {
  try {
    return evaluate(expression, context);
  } catch (err) {
    throw new Rejection(`oidc: error evaluating ${what}: ${(err as Error).message}`, FIX_EXPRESSION);
  }
};

const claimString = (claims: Record<string, unknown>, claim: string, label: string): string => {
  const fix =
    `map the ${label.replace(/ claims$/, '')} from a claim this token has as a string (${usableClaims(claims)}) on kube-apiserver, ` +
    `or have the IdP put "${claim}" in the ID token`;
  if (!(claim in claims)) throw new Rejection(`oidc: parse ${label} "${claim}": claim not present`, fix);
  const value = claims[claim];
  if (typeof value !== 'string')
    throw new Rejection(`oidc: parse ${label} "${claim}": json: cannot unmarshal ${typeof value} into Go value of type string`, fix);
  return value;
};

const username = (a: JwtAuthenticator, claims: Record<string, unknown>): string => {
  const mappingRule = a.claimMappings.username;
  if (mappingRule.expression) {
    const value = cel(mappingRule.expression, { claims }, 'username claim expression');
    if (typeof value !== 'string')
      throw new Rejection(
        'oidc: error evaluating username claim expression: username claim expression must return a string',
        'make the username expression return a string (e.g. claims.email)',
      );
    if (value === '')
      throw new Rejection(
        'oidc: empty username via CEL expression is not allowed',
        'make the username expression return a non-empty string',
      );
    return value;
  }
  const claim = mappingRule.claim!;
  const name = claimString(claims, claim, 'username claims');
  if (claim === 'email' && 'email_verified' in claims && claims.email_verified !== true) {
    throw new Rejection(
      'oidc: email not verified',
      "verify the user's email at the IdP (email_verified: true), or map the username from another claim (sub)",
    );
  }
  return `${mappingRule.prefix ?? ''}${name}`;
};

const groups = (a: JwtAuthenticator, claims: Record<string, unknown>): string[] => {
  const rule = a.claimMappings.groups;
  if (!rule) return [];
  if (rule.claim) {
    if (!(rule.claim in claims)) return [];
    const value = claims[rule.claim];
    const list =
      typeof value === 'string'
        ? [value]
        : Array.isArray(value) && value.every((v) => typeof v === 'string')
          ? (value as string[])
          : undefined;
    if (!list) {
      throw new Rejection(
        `oidc: parse groups claim "${rule.claim}": not a string or an array of strings`,
        'map groups from a claim that holds a string or a list of strings, or use a groups expression that makes one',
      );
    }
    return list.map((group) => `${rule.prefix ?? ''}${group}`);
  }
  const value = cel(rule.expression!, { claims }, 'group claim expression');
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  throw new Rejection(
    'oidc: error evaluating group claim expression: expression must return a string or a list of strings',
    'make the groups expression return a string or a list of strings',
  );
};

const checkRules = (rules: { expression: string; message?: string }[], context: Record<string, unknown>, what: string): void => {
  for (const rule of rules) {
    const result = cel(rule.expression, context, what);
    if (typeof result !== 'boolean') {
      throw new Rejection(
        `oidc: error evaluating ${what}: validation expression must return a boolean`,
        'make the rule return true or false',
      );
    }
    if (!result) {
      throw new Rejection(
        `oidc: error evaluating ${what}: validation expression '${rule.expression}' failed: ${rule.message ?? ''}`,
        'give the user what the rule asks for at the IdP, or change the rule',
      );
    }
  }
};

/** Judges one token as the API server would: the first authenticator whose issuer URL equals `iss` byte for byte. */
export const judge = (token: TokenFacts, authenticators: JwtAuthenticator[], nowSec: number): Verdict => {
  const iss = token.claims.iss;
  const a = authenticators.find((candidate) => candidate.issuer.url === iss);
  if (!a) {
    return {
      ok: false,
      silent: true,
      reason:
        `no authenticator has issuer "${String(iss)}" (configured: ${authenticators.map((c) => `"${c.issuer.url}"`).join(', ')}); ` +
        `the API server skips the token without a log line and answers 401 Unauthorized`,
      fix: `make the issuer URL of kube-apiserver's authenticator exactly "${String(iss)}"`,
    };
  }
  try {
    if (token.signatureError) {
      throw new Rejection(
        `oidc: verify token: failed to verify signature: ${token.signatureError}`,
        "check that the issuer's JWKS holds the key that signed the token (the IdP's signing key for this client)",
      );
    }
    const alg = String(token.header.alg);
    if (a.signingAlgs && !a.signingAlgs.includes(alg)) {
      throw new Rejection(
        `oidc: verify token: oidc: id token signed with unsupported algorithm, ` +
          `expected [${a.signingAlgs.map((s) => `"${s}"`).join(' ')}] got "${alg}"`,
        `add ${alg} to kube-apiserver's signing algorithms (--oidc-signing-algs), or sign with ${a.signingAlgs[0]} at the IdP`,
      );
    }
    const exp = token.claims.exp;
    if (typeof exp === 'number' && exp <= nowSec) {
      throw new Rejection(
        `oidc: verify token: oidc: token is expired (Token Expiry: ${new Date(exp * 1000).toISOString()})`,
        'synchronize the clocks (NTP) of this machine, the IdP and the API server; a new token comes with --force-refresh',
      );
    }
    const nbf = token.claims.nbf;
    if (typeof nbf === 'number' && nbf > nowSec + 60)
      throw new Rejection(
        'oidc: verify token: oidc: current time is before the nbf (not before) time',
        'synchronize the clocks (NTP) of this machine, the IdP and the API server',
      );
    const aud = audienceList(token.claims.aud);
    if (!a.issuer.audiences.some((audience) => aud.includes(audience))) {
      throw new Rejection(
        `oidc: verify token: oidc: expected audience in [${a.issuer.audiences.map((s) => `"${s}"`).join(' ')}] ` +
          `got [${aud.map((s) => `"${s}"`).join(' ')}]`,
        `add "${aud[0] ?? ''}" to the authenticator's audiences on kube-apiserver, or get a token for ` +
          `"${a.issuer.audiences[0] ?? ''}" with --oidc-audience`,
      );
    }
    const name = username(a, token.claims);
    const groupList = groups(a, token.claims);
    const uidRule = a.claimMappings.uid;
    const uid = uidRule?.claim
      ? claimString(token.claims, uidRule.claim, 'uid claim')
      : uidRule?.expression
        ? String(cel(uidRule.expression, { claims: token.claims }, 'uid claim expression'))
        : undefined;
    const extra: Record<string, string[]> = {};
    for (const item of a.claimMappings.extra ?? []) {
      const value = cel(item.valueExpression, { claims: token.claims }, 'extra mapping expression');
      const values = typeof value === 'string' ? [value] : Array.isArray(value) ? value.map(String) : [];
      if (values.length > 0) extra[item.key] = values;
    }
    for (const rule of a.claimValidationRules) {
      if (!('claim' in rule)) continue;
      const fix = `have the IdP set ${rule.claim}=${rule.requiredValue} in the ID token, or drop the required claim on kube-apiserver`;
      if (!(rule.claim in token.claims)) throw new Rejection(`oidc: required claim ${rule.claim} not present in ID token`, fix);
      if (token.claims[rule.claim] !== rule.requiredValue) {
        throw new Rejection(
          `oidc: required claim ${rule.claim} value does not match. ` +
            `Got = ${String(token.claims[rule.claim])}, want = ${rule.requiredValue}`,
          fix,
        );
      }
    }
    checkRules(
      a.claimValidationRules.filter((rule): rule is { expression: string; message?: string } => 'expression' in rule),
      { claims: token.claims },
      'claim validation expression',
    );
    const user = { username: name, groups: groupList, uid: uid ?? '', extra };
    checkRules(a.userValidationRules, { user }, 'user info validation rule');
    return {
      ok: true,
      authenticator: a.source,
      username: name,
      groups: groupList,
      ...(uid !== undefined ? { uid } : {}),
      ...(Object.keys(extra).length ? { extra } : {}),
    };
  } catch (err) {
    if (err instanceof Rejection) return { ok: false, authenticator: a.source, reason: err.message, fix: err.fix };
    throw err;
  }
};
