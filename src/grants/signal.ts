import type { Ambient } from '../ambient.js';
import { PluginError } from '../errors.js';
import { interruption } from '../interrupt.js';
import { showCountdown } from './countdown.js';

/**
 * An AbortSignal that fires on the login timeout, on a signal to the process (Ctrl-C, SIGTERM, SIGHUP), or when
 * `cancel` fires (another login of the same run won). With `countdown`, a terminal shows the time left meanwhile (not
 * where the person types a code: the redrawn line would wipe it).
 */
export const loginSignal = (
  ambient: Ambient,
  timeoutSec: number,
  cancel?: AbortSignal,
  countdown = false,
): { signal: AbortSignal; dispose(): void } => {
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
  const stopCountdown = countdown ? showCountdown(ambient.clock.now() + timeoutSec * 1000, ambient) : () => undefined;
  return {
    signal: AbortSignal.any([interruption(ambient.log), timeout.signal, ...(cancel ? [cancel] : [])]),
    dispose: () => {
      clearTimeout(timer);
      stopCountdown();
    },
  };
};
