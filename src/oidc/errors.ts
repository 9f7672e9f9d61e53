import * as client from 'openid-client';
import { oneLine, PluginError } from '../errors.js';
import { describeAnswer, failedAnswerOf, redact } from './failed-answer.js';
import { Deadline, Oversized } from './transport.js';

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_UNTRUSTED',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);

/** The first error in the cause chain that `matches`. */
const innermost = (err: unknown, matches: (e: unknown) => boolean): unknown => {
  for (let current = err, depth = 0; current && depth < 8; depth++) {
    if (matches(current)) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
};

/** The deadline that ended a request, if one did. */
export const deadlineOf = (err: unknown): Deadline | undefined => innermost(err, (e) => e instanceof Deadline) as Deadline | undefined;

const codeOf = (err: unknown): string | undefined => {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
};

/** The first Node/undici TLS or network error code in the cause chain. */
const causeCode = (err: unknown): string | undefined =>
  codeOf(
    innermost(err, (e) => {
      const code = codeOf(e);
      return code !== undefined && (TLS_CODES.has(code) || NETWORK_CODES.has(code));
    }),
  );

/** "fetch failed" says nothing: name the innermost cause too. */
const describeChain = (err: unknown): string => {
  const messages: string[] = [];
  for (let current = err, depth = 0; current instanceof Error && depth < 6; depth++) {
    messages.push(oneLine(current.message));
    current = current.cause;
  }
  return messages.length > 0 ? messages.join(': ') : String(err);
};

/** The OAuth error an IdP answered, from openid-client's typed errors: a JSON error body or a WWW-Authenticate challenge. */
const oauthError = (err: unknown): { error: string; description: string | undefined } | undefined => {
  if (err instanceof client.ResponseBodyError || err instanceof client.AuthorizationResponseError) {
    return { error: err.error, description: err.error_description };
  }
  if (err instanceof client.WWWAuthenticateChallengeError) {
    const parameters = err.cause.find((challenge) => challenge.parameters.error)?.parameters;
    if (parameters?.error) return { error: parameters.error, description: parameters.error_description };
  }
  return undefined;
};

/** openid-client's own failures carry an OAUTH_* code; its 30 s timeout wraps the TimeoutError of its signal. */
export const clientErrorCode = (err: unknown): string | undefined => (err instanceof client.ClientError ? err.code : undefined);

const isTimeout = (err: unknown): boolean =>
  clientErrorCode(err) === 'OAUTH_TIMEOUT' || (err instanceof DOMException && err.name === 'TimeoutError');

/** What to do about an IdP's refusal, where the error or status says it. */
export const idpErrorFix = (error: string | undefined, status: number | undefined, redirect: boolean): string | undefined => {
  if (redirect) return 'register the exact redirect URI at the IdP or pass the registered one with --oidc-redirect-url';
  if (error === 'invalid_client' || (!error && (status === 401 || status === 403))) {
    return 'check --oidc-client-id and --oidc-client-secret against the client registered at the IdP (a public client has no secret)';
  }
  if (error === 'unauthorized_client') return 'allow this grant type for the client in its registration at the IdP';
  if (error === 'invalid_scope') return 'drop the scopes the IdP does not offer this client from --oidc-extra-scope';
  if (status === 404) return 'check --oidc-issuer-url: the IdP has no such endpoint';
  return undefined;
};

/** Translates what openid-client, undici or an IdP threw into one clear line for a user. `what` names the request. */
export const translateError = (err: unknown, what: string, url: string): PluginError => {
  const inner = innermost(err, (e) => e instanceof PluginError || e instanceof Deadline || e instanceof Oversized);
  if (inner instanceof PluginError) return inner;
  if (inner instanceof Deadline) {
    return new PluginError(
      'issuer_unreachable',
      `${what} failed: ${inner.message}`,
      inner.phase === 'connect'
        ? 'check the issuer URL, your network, and HTTPS_PROXY/NO_PROXY'
        : 'check that the IdP is up; --idp-timeout-sec gives it longer',
      { cause: err },
    );
  }
  if (inner instanceof Oversized) return new PluginError('idp_error', `${what} failed: ${inner.message}`, undefined, { cause: err });
  const code = causeCode(err);
  const parse = codeOf(innermost(err, (e) => codeOf(e)?.startsWith('HPE_') === true));
  // A plain-HTTP request to a TLS port ends in a reset or an answer that is not HTTP: say so, with the URL to use.
  const https = url.startsWith('http://')
    ? `the issuer URL says http://, and ${new URL(url).host} may speak only HTTPS: use https://${new URL(url).host}`
    : undefined;
  if (parse) {
    return new PluginError(
      'issuer_invalid',
      `${what} failed: ${new URL(url).origin} did not answer in HTTP (${parse})`,
      https ?? 'check the issuer URL and port: something other than the IdP answers there',
      { cause: err },
    );
  }
  if (code && TLS_CODES.has(code)) {
    return new PluginError(
      'tls',
      `${what} failed: TLS error talking to ${new URL(url).origin} (${code})`,
      'pass the CA that signed the IdP certificate with --certificate-authority FILE or --certificate-authority-data',
      { cause: err },
    );
  }
  if (code) {
    return new PluginError(
      'issuer_unreachable',
      `${what} failed: cannot reach ${new URL(url).origin} (${code})`,
      (https && (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') ? https : undefined) ??
        'check the issuer URL, your network, and HTTPS_PROXY/NO_PROXY',
      { cause: err },
    );
  }
  if (isTimeout(err)) {
    return new PluginError(
      'issuer_unreachable',
      `${what} failed: ${new URL(url).origin} did not answer in time`,
      'check that the IdP is up and reachable from here',
      {
        cause: err,
      },
    );
  }
  const answer = failedAnswerOf(err);
  const answered = oauthError(err) ?? (answer?.error ? { error: answer.error, description: answer.errorDescription } : undefined);
  if (answer || answered) {
    const oauth = answered ? redact(`${answered.error}${answered.description ? `: ${oneLine(answered.description)}` : ''}`) : '';
    const said = answer ? (answered ? `HTTP ${answer.status} ${oauth}` : describeAnswer(answer)) : `the IdP answered ${oauth}`;
    const redirect = /redirect_uri/i.test(oauth);
    return new PluginError(
      redirect ? 'redirect_uri_mismatch' : 'idp_error',
      `${what} failed: ${said}`,
      idpErrorFix(answered?.error, answer?.status, redirect),
      {
        cause: err,
      },
    );
  }
  return new PluginError('idp_error', `${what} failed: ${describeChain(err)}`, undefined, { cause: err });
};
