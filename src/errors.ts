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
  | 'authorization_rejected'
  | 'redirect_uri_mismatch'
  | 'token_exchange'
  | 'browser'
  | 'cache'
  | 'login_cooldown'
  | 'keychain_unavailable'
  | 'keychain_no_client'
  | 'dbus';

export class PluginError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PluginError';
    this.code = code;
    this.hint = hint;
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
