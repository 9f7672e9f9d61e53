/**
 * The one error type of the plugin. `message` is a single line that names what failed;
 * `hint` says what to do. Neither may ever contain a token, code, verifier or secret.
 */
export type ErrorCode =
  | 'usage'
  | 'issuer_unreachable'
  | 'issuer_mismatch'
  | 'issuer_invalid'
  | 'tls'
  | 'port_busy'
  | 'timeout'
  | 'interrupted'
  | 'idp_error'
  | 'keys_unavailable'
  | 'login_failed'
  /** A refresh asked for on its own (setup's check): the session has no refresh token, or the answer no ID token. */
  | 'no_refresh_token'
  | 'no_id_token'
  /** setup: kube-apiserver would not take the token, or the report found an error. */
  | 'rejected'
  | 'exec_info'
  | 'authorization_rejected'
  | 'redirect_uri_mismatch'
  | 'token_exchange'
  | 'browser'
  | 'cache'
  | 'login_cooldown'
  | 'keychain_unavailable'
  | 'keychain_locked'
  | 'keychain_no_client'
  | 'dbus';

export class PluginError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  /** The process's exit status when this ends it, where the code does not say (a signal: 128 + its number). */
  readonly exitCode: number | undefined;

  constructor(code: ErrorCode, message: string, hint?: string, options?: { cause?: unknown; exitCode?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PluginError';
    this.code = code;
    this.hint = hint;
    this.exitCode = options?.exitCode;
  }
}

/** One line for stderr: what failed, then what to do. */
export const formatError = (err: unknown): string => {
  if (err instanceof PluginError) {
    return `kubectl-oidc: ${err.message}${err.hint ? ` — ${err.hint}` : ''}`;
  }
  const message = err instanceof Error ? err.message : String(err);
  return `kubectl-oidc: unexpected error: ${oneLine(message)} (run with -v for details)`;
};

export const oneLine = (text: string): string => text.replace(/\s+/g, ' ').trim();
