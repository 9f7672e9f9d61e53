// Where Chromium is and how to start it on machines without network access (FIELD-NOTES §6).
import { existsSync } from 'node:fs';

// Chromium's headless shell first (Debian's chromium-headless-shell, what Playwright itself runs for headless): the same
// Blink and network stack as the browser without its UI layers, ~30 % less CPU per login than `chromium --headless`.
const CANDIDATES = [
  '/usr/bin/chromium-headless-shell',
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
];

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
  // The tests' CPU goes mostly to Chromium's processes: one renderer for every site (the IdP's https pages, the callback's
  // http one) and a spare besides is ~1 s of CPU per login. Pages of the test sites share one or two renderers instead;
  // no login differs for it (site isolation guards memory against other sites' scripts, not cookies or redirects).
  '--disable-site-isolation-trials',
  '--disable-features=site-per-process,IsolateOrigins,SpareRendererForSitePerProcess,Translate,OptimizationHints,MediaRouter',
  '--renderer-process-limit=2',
  '--disable-extensions',
  '--disable-3d-apis',
];
