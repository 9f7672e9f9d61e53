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
  | 'login_cooldown';

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

/**
 * By name, not by class: the cache-hit bundle and the CLI bundle each carry a copy of PluginError, and a session store
 * opened by the first is used by the second.
 */
export const isPluginError = (err: unknown): err is PluginError =>
  err instanceof Error && err.name === 'PluginError' && typeof (err as PluginError).code === 'string';

/** Exit codes: 1 for runtime failures, 2 for bad usage, 130 for Ctrl-C (as shells report SIGINT). */
export const exitCodeOf = (err: unknown): number => {
  if (!isPluginError(err)) return 1;
  if (err.code === 'usage') return 2;
  if (err.code === 'interrupted') return 130;
  return 1;
};

/** One line for stderr: what failed, then what to do. */
export const formatError = (err: unknown): string => {
  if (isPluginError(err)) {
    return `kubectl-oidc: ${err.message}${err.hint ? ` — ${err.hint}` : ''}`;
  }
  const message = err instanceof Error ? err.message : String(err);
  return `kubectl-oidc: unexpected error: ${oneLine(message)} (run with -v for details)`;
};

export const oneLine = (text: string): string => text.replace(/\s+/g, ' ').trim();

/** Ends a command that failed: its one line on stderr (and the stack with -v), and the exit code. */
export const reportFailure = (err: unknown, verbose: boolean): void => {
  process.stderr.write(`${formatError(err)}\n`);
  if (verbose && err instanceof Error && err.stack) {
    process.stderr.write(`${isPluginError(err) && err.cause instanceof Error ? err.cause.stack : err.stack}\n`);
  }
  process.exitCode = exitCodeOf(err);
};
