import { spawn } from 'node:child_process';
import type { Logger } from '../log.js';

export interface BrowserSettings {
  browserCommand?: string;
  skipOpenBrowser: boolean;
}

/**
 * Shows the person where to log in. The URL always goes to stderr, because opening a browser can fail silently
 * (no display, a broken default handler, a remote shell). The URL carries no secret: only the PKCE challenge. A short
 * URL that leads to it (the loopback server's root) is shown first: easy to type, or to open through `ssh -L`.
 */
export const openBrowser = async (
  url: string,
  settings: BrowserSettings,
  log: Logger,
  announce: string | false = 'open this URL in your browser to log in:',
  shortUrl?: string,
): Promise<void> => {
  if (announce) log.info(`${announce}\n\n    ${shortUrl ? `${shortUrl}\n\n  which leads to\n\n    ${url}` : url}\n`);
  if (settings.skipOpenBrowser) return;
  if (settings.browserCommand) {
    const command = settings.browserCommand;
    await new Promise<void>((resolve) => {
      const child = spawn(command, [url], { detached: true, stdio: 'ignore' });
      child.once('spawn', () => {
        child.unref();
        log.debug(`started ${command}`);
        resolve();
      });
      child.once('error', (err: NodeJS.ErrnoException) => {
        log.info(`could not start --browser-command ${command} (${err.code ?? err.message}); open the URL above yourself`);
        resolve();
      });
    });
    return;
  }
  try {
    const { default: open } = await import('open');
    const child = await open(url, { wait: false });
    child.once('error', () => log.info('could not open a browser; open the URL above yourself'));
    child.unref();
  } catch (err) {
    log.info(`could not open a browser (${(err as Error).message}); open the URL above yourself`);
  }
};
