// Where Chromium is and how to start it on machines without network access (FIELD-NOTES §6).
import { existsSync } from 'node:fs';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

/** @returns {string | undefined} */
export const findChromium = () => [process.env.CHROMIUM_PATH, ...CANDIDATES].find((p) => p && existsSync(p));

/** @returns {string} */
export const chromiumPath = () => {
  const path = findChromium();
  if (!path) throw new Error('Chromium not found: install Debian chromium or set CHROMIUM_PATH');
  return path;
};

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--ignore-certificate-errors',
];
