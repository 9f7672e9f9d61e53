#!/usr/bin/env node
// A real headless Chromium that logs in like a person would, used as --browser-command in tests and the demo.
// It gets the authorization URL as its argument, signs in at the test IdP's login page, consents (or cancels),
// follows the redirect to the plugin's loopback server and records what the final page showed.
//   DRIVER_LOGIN   login name to sign in with (default: the login_hint, else alice)
//   DRIVER_ACTION  approve (default) or deny (clicks the IdP's Cancel link)
//   DRIVER_RESULT  file to write {"status","title","heading","detail","account"} of the final page to
//   DRIVER_SCREENSHOT  PNG file for a screenshot of the final page
import { writeFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { chromiumPath, CHROMIUM_ARGS } from './chromium.mjs';

const url = process.argv[2];
const login = process.env.DRIVER_LOGIN || new URL(url).searchParams.get('login_hint') || 'alice';
const action = process.env.DRIVER_ACTION || 'approve';
const redirect = new URL(new URL(url).searchParams.get('redirect_uri'));
const isCallback = (u) => u.port === redirect.port && u.pathname === redirect.pathname;

const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS, headless: true });
let result;
try {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  let finalResponse;
  page.on('response', (response) => {
    if (isCallback(new URL(response.url()))) finalResponse = response;
  });
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  // Login page, then consent page, then the redirect to the plugin (which answers once the code is exchanged).
  for (let step = 0; step < 5 && !isCallback(new URL(page.url())); step++) {
    const navigation = page.waitForNavigation({ waitUntil: 'domcontentloaded', timeout: 60_000 });
    if (action === 'deny') {
      await page.click('text=[ Cancel ]');
    } else if (await page.locator('input[name=login]').count()) {
      await page.fill('input[name=login]', login);
      await page.fill('input[name=password]', 'any-password');
      await page.click('button[type=submit]');
    } else {
      await page.click('button[type=submit]');
    }
    await navigation;
  }
  await page.waitForURL((u) => isCallback(u), { waitUntil: 'load', timeout: 60_000 });
  await page.waitForSelector('#heading');
  result = {
    status: finalResponse?.status(),
    title: await page.title(),
    heading: await page.textContent('#heading'),
    detail: (await page.locator('#detail').count()) ? await page.textContent('#detail') : null,
    account: (await page.locator('#account').count()) ? await page.textContent('#account') : null,
  };
  if (process.env.DRIVER_SCREENSHOT) await page.screenshot({ path: process.env.DRIVER_SCREENSHOT });
} catch (err) {
  result = { error: String(err?.message ?? err).split('\n')[0] };
} finally {
  await browser.close();
}
if (process.env.DRIVER_RESULT) writeFileSync(process.env.DRIVER_RESULT, JSON.stringify(result));
process.exit(result.error ? 1 : 0);
