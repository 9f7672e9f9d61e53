import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, findChromium } from './chromium.mjs';
import { driveLogin, writeResult } from './drive-login.mjs';

/**
 * vitest global setup: one headless Chromium for the whole run, and a driver service in front of it. Each login posts
 * its URL here (from a test's browser command, test/support/paths.ts, or the browser driver) and is driven with cookies
 * of its own, instead of starting Node with Playwright (~0.5 s of CPU) and a browser (~3 s) every time. Without
 * Chromium nothing starts, and the end-to-end tests skip or fail as requirements.ts says.
 */
export default async function startDriverService(): Promise<(() => Promise<void>) | undefined> {
  const executablePath = findChromium();
  if (!executablePath || process.env.DRIVER_SERVICE) return undefined;
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true });
  const service = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    req.on('end', async () => {
      // A line of JSON (the login's settings, and the file to write what it saw to), then the URL.
      const newline = body.indexOf('\n');
      const { settings, result: resultFile } = JSON.parse(body.slice(0, newline)) as {
        settings: Parameters<typeof driveLogin>[2];
        result?: string;
      };
      const result = await driveLogin(browser, body.slice(newline + 1), settings);
      if (resultFile) writeResult(resultFile, result);
      res.writeHead(result.error ? 500 : 200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
    });
  });
  await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
  process.env.DRIVER_SERVICE = `http://127.0.0.1:${(service.address() as AddressInfo).port}/`;
  return async () => {
    delete process.env.DRIVER_SERVICE;
    service.closeAllConnections();
    service.close();
    await browser.close();
  };
}
