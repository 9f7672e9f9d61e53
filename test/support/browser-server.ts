import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, findChromium } from './chromium.mjs';

/**
 * vitest global setup: one headless Chromium for the whole run. Each login of the browser driver connects to it and
 * works in a fresh context of its own (its own cookies), instead of starting a browser (~3 s of CPU) every time.
 * Without Chromium nothing starts, and the end-to-end tests skip or fail as requirements.ts says.
 */
export default async function startBrowserServer(): Promise<(() => Promise<void>) | undefined> {
  const executablePath = findChromium();
  if (!executablePath || process.env.DRIVER_BROWSER_WS) return undefined;
  const server = await chromium.launchServer({ executablePath, args: CHROMIUM_ARGS, headless: true });
  process.env.DRIVER_BROWSER_WS = server.wsEndpoint();
  return async () => {
    delete process.env.DRIVER_BROWSER_WS;
    await server.close();
  };
}
