import { formatError, PluginError } from '../errors.js';
import { interruptedBy } from '../interrupt.js';
import type { Logger } from '../log.js';

/** Exit codes: 1 for runtime failures, 2 for bad usage, 128 + the signal's number for a signal (130 for Ctrl-C). */
export const exitCodeOf = (err: unknown): number => {
  if (!(err instanceof PluginError)) return 1;
  if (err.exitCode !== undefined) return err.exitCode;
  if (err.code === 'usage') return 2;
  if (err.code === 'interrupted') return 130;
  return 1;
};

/** Ends a command that failed: its one line on stderr (and the stack with -v), and the exit code. */
export const reportFailure = (err: unknown, log: Logger): void => {
  const signalled = interruptedBy();
  if (signalled) {
    // Said when the signal came; whatever the unwinding threw since (an input that ended, a closed socket) is its echo.
    process.exitCode = exitCodeOf(signalled);
    return;
  }
  log.clearStatus();
  process.stderr.write(`${formatError(err)}\n`);
  if (log.verbose && err instanceof Error && err.stack) {
    process.stderr.write(`${err instanceof PluginError && err.cause instanceof Error ? err.cause.stack : err.stack}\n`);
  }
  process.exitCode = exitCodeOf(err);
};

/** A command's report (status, logout, setup) on stdout; the ExecCredential is written by get-token/ and hit/ alone. */
export const printReport = (text: string): void => {
  process.stdout.write(text);
};
