// How a person logs in at the test IdP, in a real headless Chromium: given a URL — an authorization URL, or a
// device-flow verification URL — sign in, consent (or cancel), and report what the final page showed. Used by the
// browser driver (test/support/browser-driver.mjs), in its own process or in the test run's driver service.

import { renameSync, writeFileSync } from 'node:fs';

/**
 * A login's settings from the DRIVER_* variables (test/support/browser-driver.mjs lists them).
 * @param {Record<string, string | undefined>} env
 */
export const driverSettings = (env) => ({
  login: env.DRIVER_LOGIN,
  action: env.DRIVER_ACTION || 'approve',
  capture: env.DRIVER_CAPTURE_URL === '1',
  screenshot: env.DRIVER_SCREENSHOT,
});

/**
 * Written whole or not at all: a test polls for the file and reads it as soon as it appears.
 * @param {string} file
 * @param {object} result
 */
export const writeResult = (file, result) => {
  writeFileSync(`${file}.tmp`, JSON.stringify(result));
  renameSync(`${file}.tmp`, file);
};

/**
 * Pages earlier logins left, per browser: a login takes one (its context's cookies cleared) or opens a fresh context.
 * A new context and page cost Chromium ~1 s of CPU (renderer processes); a page navigated again, a fraction of that.
 * @type {WeakMap<import('playwright-core').Browser, { context: import('playwright-core').BrowserContext; page: import('playwright-core').Page }[]>}
 */
const idleTabs = new WeakMap();

/** @param {import('playwright-core').Browser} browser */
const takeTab = async (browser) => {
  const tab = idleTabs.get(browser)?.pop();
  if (tab) {
    // Nothing of the last login: no IdP session, no cookie of the callback's.
    await tab.context.clearCookies();
    return tab;
  }
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  return { context, page: await context.newPage() };
};

/**
 * @param {import('playwright-core').Browser} browser
 * @param {{ context: import('playwright-core').BrowserContext; page: import('playwright-core').Page }} tab
 * @param {boolean} reusable a login that ended as expected leaves a page fit for the next; any other is closed
 */
const giveBack = async (browser, tab, reusable) => {
  if (reusable) {
    try {
      await tab.page.goto('about:blank');
      if (!idleTabs.has(browser)) idleTabs.set(browser, []);
      idleTabs.get(browser).push(tab);
      return;
    } catch {}
  }
  await tab.context.close().catch(() => undefined);
};

/**
 * @param {import('playwright-core').Browser} browser
 * @param {string} url
 * @param {{ login?: string; action?: string; capture?: boolean; screenshot?: string }} settings
 */
export const driveLogin = async (browser, url, settings) => {
  const params = new URL(url).searchParams;
  const login = settings.login || params.get('login_hint') || 'alice';
  const redirect = params.get('redirect_uri') ? new URL(params.get('redirect_uri')) : undefined;
  const isCallback = (u) =>
    redirect !== undefined && u.protocol === redirect.protocol && u.port === redirect.port && u.pathname === redirect.pathname;
  const tab = await takeTab(browser);
  const { page } = tab;
  let reusable = false;
  /** @param {import('playwright-core').Request} request */
  const onRequest = (request) => {
    if (isCallback(new URL(request.url()))) finalUrl = request.url();
  };
  /** @param {import('playwright-core').Response} response */
  const onResponse = (response) => {
    if (isCallback(new URL(response.url()))) finalResponse = response;
  };
  /** @type {import('playwright-core').Response | undefined} */
  let finalResponse;
  /** @type {string | undefined} */
  let finalUrl;
  try {
    page.on('request', onRequest);
    page.on('response', onResponse);
    await page.goto(url, { waitUntil: 'domcontentloaded' });
    const done = async () => finalUrl !== undefined || (await page.title()) === 'Sign-in Success';
    // Device code pages, login page, consent page, then the redirect (or the device flow's success page).
    for (let step = 0; step < 6 && !(await done()); step++) {
      const navigation = page.waitForNavigation({ waitUntil: 'domcontentloaded', timeout: 60_000 }).catch(() => undefined);
      if (settings.action === 'deny') {
        await page.click(redirect ? 'text=[ Cancel ]' : 'button[name=abort]');
        await navigation;
        if (!redirect) break; // the device flow's abort page is the end: there is nothing more to click
        continue;
      }
      if (await page.locator('input[name=login]').count()) {
        await page.fill('input[name=login]', login);
        await page.fill('input[name=password]', 'any-password');
        await page.click('button[type=submit]');
      } else if (await page.locator('input[name=user]').count()) {
        // LemonLDAP::NG's portal with its Demo users, whose password is their name.
        await page.fill('input[name=user]', login);
        await page.fill('input[name=password]', login);
        await page.locator('button[type=submit]').first().click();
      } else {
        await page.locator('button[type=submit]:not([name=abort])').first().click();
      }
      await navigation;
    }
    /** Whether the plugin answered the callback with a redirect (--open-url-after-authentication). */
    const redirectedAway = async () => {
      finalResponse ??= await page.waitForResponse((r) => isCallback(new URL(r.url())), { timeout: 60_000 });
      const status = finalResponse.status();
      return status >= 300 && status < 400;
    };
    let result;
    if (settings.capture || !redirect) {
      result = { title: await page.title(), ...(finalUrl ? { finalUrl } : {}) };
    } else if (await redirectedAway()) {
      // --open-url-after-authentication: the plugin's answer sent the browser on.
      result = { status: finalResponse.status(), location: finalResponse.headers().location, title: await page.title() };
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
    if (settings.screenshot) await page.screenshot({ path: settings.screenshot });
    reusable = true;
    return result;
  } catch (err) {
    return { error: String(err?.message ?? err).split('\n')[0] };
  } finally {
    page.off('request', onRequest);
    page.off('response', onResponse);
    await giveBack(browser, tab, reusable);
  }
};
