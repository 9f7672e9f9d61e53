import { PluginError } from '../errors.js';

/** Resolves an AbortSignal that fires on the login timeout or on Ctrl-C / SIGTERM. */
export const loginSignal = (timeoutSec: number): { signal: AbortSignal; dispose(): void } => {
  const controller = new AbortController();
  const timer = setTimeout(
    () =>
      controller.abort(
        new PluginError(
          'timeout',
          `no login completed within ${timeoutSec} s`,
          'run the command again; if the browser showed an error, fix what it said (often the redirect URI registration)',
        ),
      ),
    timeoutSec * 1000,
  );
  const onSignal = (name: NodeJS.Signals): void =>
    controller.abort(new PluginError('interrupted', `login cancelled (${name}); nothing was saved`));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      clearTimeout(timer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
};
