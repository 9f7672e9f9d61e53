import { formatError, PluginError } from './errors.js';
import type { Logger } from './log.js';

/** As shells report a process a signal ended: 128 + the signal's number. */
const SIGNALS = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;

/** Whatever is still running this long after a signal is cut short: kubectl (and the person) must not wait. */
const GRACE_MS = 1000;

let controller: AbortController | undefined;
let received: PluginError | undefined;

/** The signal's error once one arrived: its line is already on stderr, and nothing else is to be said. */
export const interruptedBy = (): PluginError | undefined => received;

/**
 * The run's signal: aborted on SIGINT, SIGTERM or SIGHUP (from the first call on), with the error that ends the run and
 * its exit status. Its one line is written at once, on a fresh line, while kubectl (which the same Ctrl-C ends) has
 * not yet given the terminal back to the shell. Every wait (a request to the IdP, the login, the lock) listens to the
 * signal, so the run unwinds with its files as they were (every write is an atomic rename); what has not ended a second
 * later, or a second signal, ends the process at once. The cache-hit path never calls this: it has nothing to interrupt.
 * The first caller's logger clears the status line before that line.
 */
export const interruption = (log: Logger): AbortSignal => {
  if (controller) return controller.signal;
  const run = new AbortController();
  controller = run;
  for (const [name, exitCode] of Object.entries(SIGNALS)) {
    process.on(name, () => {
      if (received) process.exit(received.exitCode);
      received = new PluginError('interrupted', `cancelled by ${name}; the session cache is as it was`, undefined, { exitCode });
      log.clearStatus();
      process.stderr.write(`${formatError(received)}\n`);
      run.abort(received);
      setTimeout(() => process.exit(exitCode), GRACE_MS).unref();
    });
  }
  return run.signal;
};
