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
 * What a person does on the page in front of them, done in the page: sign in, consent, or cancel. One evaluation, not
 * Playwright's locators, which inject its selector engine (hundreds of kB) into every document.
 * @param {{ login: string; deny: boolean; loopback: boolean }} step
 */
const act = ({ login, deny, loopback }) => {
  const one = (selector) => document.querySelector(selector);
  const fill = (name, value) => {
    one(`input[name=${name}]`).value = value;
  };
  let target;
  if (deny) {
    target = loopback
      ? [...document.querySelectorAll('a, button')].find((e) => e.textContent.trim() === '[ Cancel ]')
      : one('button[name=abort]');
  } else if (one('input[name=login]')) {
    fill('login', login);
    fill('password', 'any-password');
    target = one('button[type=submit]');
  } else if (one('input[name=user]')) {
    // LemonLDAP::NG's portal with its Demo users, whose password is their name.
    fill('user', login);
    fill('password', login);
    target = one('button[type=submit]');
  } else target = one('button[type=submit]:not([name=abort])');
  if (!target) return false;
  // Clicked once this evaluation has answered: a navigation that starts at once would take its answer with it.
  setTimeout(() => target.click());
  return true;
};

/**
 * One step of the person: act on the page and wait for the page that follows. A page that sends itself on (the device
 * flow's form that posts itself when loaded) is acted on where it lands.
 * @param {import('playwright-core').Page} page
 * @param {{ login: string; deny: boolean; loopback: boolean }} args
 */
const step = async (page, args) => {
  for (let attempt = 0; attempt < 3; attempt++) {
    // A page that sends itself on does so at once; any other with nothing to act on has nothing for a person to do.
    const moving = page.waitForNavigation({ waitUntil: 'domcontentloaded', timeout: 10_000 }).then(
      () => true,
      () => false,
    );
    const acted = await page.evaluate(act, args).catch((err) => {
      if (/Execution context was destroyed/.test(String(err?.message ?? err))) return false;
      throw err;
    });
    if (acted) {
      // The click comes after the evaluation has answered, and its navigation after the click: waited for from here,
      // so that one the page made before (the self-posting form's) cannot stand in for it.
      await page.waitForNavigation({ waitUntil: 'domcontentloaded', timeout: 60_000 }).catch(() => undefined);
      return;
    }
    if (!(await moving)) break;
  }
  throw new Error(`nothing to ${args.deny ? 'cancel' : 'sign in or consent'} with on ${page.url()}`);
};

/** What the callback's page says, read in the page. */
const callbackPage = () => {
  const text = (id) => document.getElementById(id)?.textContent ?? null;
  return { title: document.title, heading: text('heading'), detail: text('detail'), account: text('account') };
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
    for (let steps = 0; steps < 6 && !(await done()); steps++) {
      await step(page, { login, deny: settings.action === 'deny', loopback: redirect !== undefined });
      if (settings.action === 'deny' && !redirect) break; // the device flow's abort page is the end: nothing more to click
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
      result = { status: finalResponse?.status(), ...(await page.evaluate(callbackPage)) };
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
