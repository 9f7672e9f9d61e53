import { formatError, PluginError } from './errors.js';

/** As shells report a process a signal ended: 128 + the signal's number. */
const SIGNALS = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;

/** Whatever is still running this long after a signal is cut short: kubectl (and the person) must not wait. */
const GRACE_MS = 1000;

let controller: AbortController | undefined;

const exitNow = (err: PluginError): never => {
  process.stderr.write(`${formatError(err)}\n`);
  process.exit(err.exitCode ?? 1);
};

/**
 * The run's signal: aborted on SIGINT, SIGTERM or SIGHUP (from the first call on), with the error that ends the run and
 * its exit status. Every wait (a request to the IdP, the login, the lock) listens to it, so the run unwinds with its
 * files as they were (every write is an atomic rename); what has not ended a second later, or a second signal, ends
 * the process at once. The cache-hit path never calls this: it has nothing to interrupt.
 */
export const interruption = (): AbortSignal => {
  if (controller) return controller.signal;
  const run = new AbortController();
  controller = run;
  for (const [name, exitCode] of Object.entries(SIGNALS)) {
    process.on(name, () => {
      if (run.signal.aborted) exitNow(run.signal.reason as PluginError);
      run.abort(new PluginError('interrupted', `cancelled by ${name}; the session cache is as it was`, undefined, { exitCode }));
      setTimeout(() => exitNow(run.signal.reason as PluginError), GRACE_MS).unref();
    });
  }
  return run.signal;
};
