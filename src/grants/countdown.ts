import type { Ambient } from '../ambient.js';

let waiting = 0;
let ticker: NodeJS.Timeout | undefined;

const minutes = (seconds: number): string => `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;

/**
 * On a terminal, the time a login has left, redrawn in place every second below the URL or code, until the returned
 * function is called. Logins that run side by side (the browser and the device code) share the one line.
 */
export const showCountdown = (deadlineMs: number, { clock, log }: Ambient): (() => void) => {
  if (!process.stderr.isTTY) return () => undefined;
  waiting += 1;
  ticker ??= setInterval(() => {
    const left = Math.max(0, Math.ceil((deadlineMs - clock.now()) / 1000));
    log.status(`  waiting for you to log in: ${minutes(left)} left · Ctrl-C cancels`);
  }, 1000).unref();
  return () => {
    waiting -= 1;
    if (waiting > 0) return;
    clearInterval(ticker);
    ticker = undefined;
    log.clearStatus();
  };
};
