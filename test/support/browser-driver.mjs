#!/usr/bin/env node
// A real headless Chromium that logs in like a person would, used as --browser-command in tests and the demo.
// It gets a URL as its argument — an authorization URL, or a device-flow verification URL — signs in at the test
// IdP's pages, consents (or cancels), and records what the final page showed (test/support/drive-login.mjs).
//   DRIVER_LOGIN   login name to sign in with (default: the login_hint, else alice)
//   DRIVER_ACTION  approve (default) or deny (clicks the IdP's Cancel link)
//   DRIVER_RESULT  file to write {"status","title","heading","detail","account"} of the final page to
//   DRIVER_CAPTURE_URL  1: nothing listens at the redirect URI (authcode-keyboard); record the address the browser
//                  ended on as "finalUrl" instead of waiting for the plugin's page
//   DRIVER_SCREENSHOT  PNG file for a screenshot of the final page
//   DRIVER_SERVICE  the test run's driver service (test/support/browser-server.ts): it drives its one browser for us,
//                  so this process neither loads Playwright (~0.5 s of CPU) nor starts a browser
import { request } from 'node:http';
import { driverSettings, writeResult } from './drive-login.mjs';

const url = process.argv[2];
const settings = driverSettings(process.env);

const viaService = (service) =>
  new Promise((resolve, reject) => {
    const req = request(service, { method: 'POST', headers: { 'content-type': 'text/plain' } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve(JSON.parse(body)));
    });
    req.once('error', reject);
    req.end(`${JSON.stringify({ settings })}\n${url}`);
  });

const ownBrowser = async () => {
  const [{ chromium }, { CHROMIUM_ARGS, chromiumPath }, { driveLogin }] = await Promise.all([
    import('playwright-core'),
    import('./chromium.mjs'),
    import('./drive-login.mjs'),
  ]);
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS, headless: true });
  try {
    return await driveLogin(browser, url, settings);
  } finally {
    await browser.close();
  }
};

let result;
try {
  result = process.env.DRIVER_SERVICE ? await viaService(process.env.DRIVER_SERVICE) : await ownBrowser();
} catch (err) {
  result = { error: String(err?.message ?? err).split('\n')[0] };
}
if (process.env.DRIVER_RESULT) writeResult(process.env.DRIVER_RESULT, result);
process.exit(result.error ? 1 : 0);
