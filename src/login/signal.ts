import { PluginError } from '../errors.js';
import { interruption } from '../interrupt.js';

/**
 * An AbortSignal that fires on the login timeout, on a signal to the process (Ctrl-C, SIGTERM, SIGHUP), or when
 * `cancel` fires (another login of the same run won).
 */
export const loginSignal = (timeoutSec: number, cancel?: AbortSignal): { signal: AbortSignal; dispose(): void } => {
  const timeout = new AbortController();
  const timer = setTimeout(
    () =>
      timeout.abort(
        new PluginError(
          'timeout',
          `no login completed within ${timeoutSec} s`,
          'run the command again; if the browser showed an error, fix what it said (often the redirect URI registration)',
        ),
      ),
    timeoutSec * 1000,
  );
  return {
    signal: AbortSignal.any([interruption(), timeout.signal, ...(cancel ? [cancel] : [])]),
    dispose: () => clearTimeout(timer),
  };
};
