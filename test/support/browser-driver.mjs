#!/usr/bin/env node
// A real headless Chromium that logs in like a person would, used as --browser-command in tests and the demo.
// It gets a URL as its argument — an authorization URL, or a device-flow verification URL — signs in at the test
// IdP's pages, consents (or cancels), and records what the final page showed.
//   DRIVER_LOGIN   login name to sign in with (default: the login_hint, else alice)
//   DRIVER_ACTION  approve (default) or deny (clicks the IdP's Cancel link)
//   DRIVER_RESULT  file to write {"status","title","heading","detail","account"} of the final page to
//   DRIVER_CAPTURE_URL  1: nothing listens at the redirect URI (authcode-keyboard); record the address the browser
//                  ended on as "finalUrl" instead of waiting for the plugin's page
//   DRIVER_SCREENSHOT  PNG file for a screenshot of the final page
//   DRIVER_BROWSER_WS  connect to this running browser (a fresh context) instead of launching one
import { writeFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, chromiumPath } from './chromium.mjs';

const url = process.argv[2];
const params = new URL(url).searchParams;
const login = process.env.DRIVER_LOGIN || params.get('login_hint') || 'alice';
const action = process.env.DRIVER_ACTION || 'approve';
const capture = process.env.DRIVER_CAPTURE_URL === '1';
const redirect = params.get('redirect_uri') ? new URL(params.get('redirect_uri')) : undefined;
const isCallback = (u) =>
  redirect !== undefined && u.protocol === redirect.protocol && u.port === redirect.port && u.pathname === redirect.pathname;

// The test run's shared browser when there is one (test/support/browser-server.ts), else a browser of our own.
const browser = process.env.DRIVER_BROWSER_WS
  ? await chromium.connect(process.env.DRIVER_BROWSER_WS)
  : await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS, headless: true });
let result;
try {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  let finalResponse;
  let finalUrl;
  page.on('request', (request) => {
    if (isCallback(new URL(request.url()))) finalUrl = request.url();
  });
  page.on('response', (response) => {
    if (isCallback(new URL(response.url()))) finalResponse = response;
  });
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  const done = async () => finalUrl !== undefined || (await page.title()) === 'Sign-in Success';
  // Device code pages, login page, consent page, then the redirect (or the device flow's success page).
  for (let step = 0; step < 6 && !(await done()); step++) {
    const navigation = page.waitForNavigation({ waitUntil: 'domcontentloaded', timeout: 60_000 }).catch(() => undefined);
    if (action === 'deny') {
      await page.click(redirect ? 'text=[ Cancel ]' : 'button[name=abort]');
      await navigation;
      if (!redirect) break; // the device flow's abort page is the end: there is nothing more to click
      continue;
    } else if (await page.locator('input[name=login]').count()) {
      await page.fill('input[name=login]', login);
      await page.fill('input[name=password]', 'any-password');
      await page.click('button[type=submit]');
    } else {
      await page.locator('button[type=submit]:not([name=abort])').first().click();
    }
    await navigation;
  }
  if (capture || !redirect) {
    result = { title: await page.title(), ...(finalUrl ? { finalUrl } : {}) };
  } else {
    await page.waitForURL((u) => isCallback(u), { waitUntil: 'load', timeout: 60_000 });
    await page.waitForSelector('#heading');
    result = {
      status: finalResponse?.status(),
      title: await page.title(),
      heading: await page.textContent('#heading'),
      detail: (await page.locator('#detail').count()) ? await page.textContent('#detail') : null,
      account: (await page.locator('#account').count()) ? await page.textContent('#account') : null,
    };
  }
  if (process.env.DRIVER_SCREENSHOT) await page.screenshot({ path: process.env.DRIVER_SCREENSHOT });
} catch (err) {
  result = { error: String(err?.message ?? err).split('\n')[0] };
} finally {
  await browser.close();
}
if (process.env.DRIVER_RESULT) writeFileSync(process.env.DRIVER_RESULT, JSON.stringify(result));
process.exit(result.error ? 1 : 0);
