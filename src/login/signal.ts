import { PluginError } from '../errors.js';

/**
 * Resolves an AbortSignal that fires on the login timeout, on Ctrl-C / SIGTERM, or when `cancel` fires (another login
 * of the same run won).
 */
export const loginSignal = (timeoutSec: number, cancel?: AbortSignal): { signal: AbortSignal; dispose(): void } => {
  const controller = new AbortController();
  const onCancel = (): void => controller.abort(cancel?.reason);
  if (cancel?.aborted) onCancel();
  cancel?.addEventListener('abort', onCancel, { once: true });
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
      cancel?.removeEventListener('abort', onCancel);
      clearTimeout(timer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
};
