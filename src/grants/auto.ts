import { PluginError } from '../errors.js';
import { startLoopbackServer } from '../loopback/server.js';
import type { Provider } from '../oidc/provider.js';
import type { LoginInput } from '../options/types.js';
import type { TokenSet } from '../session/tokens.js';
import { loginWithBrowser } from './authcode-browser.js';
import { browserAvailability, currentEnvironment } from './choose.js';
import { loginWithDeviceCode } from './device-code.js';
import { loginWithPassword } from './password.js';

const DEVICE_FLOW_LEFT = new Set(['timeout', 'issuer_unreachable', 'tls']);

/** The device flow where the callback cannot listen: the busy ports are said first, or are the error if it cannot start. */
const deviceCodeAlone = async (provider: Provider, options: LoginInput, busy: PluginError, canOpenBrowser: boolean) => {
  let started = false;
  try {
    return await loginWithDeviceCode(provider, options, canOpenBrowser, undefined, () => {
      started = true;
      provider.log.info(`${busy.message}: logging in with a device code instead`);
    });
  } catch (err) {
    if (started || !(err instanceof PluginError) || err.code === 'interrupted') throw err;
    throw new PluginError('port_busy', `${busy.message}, and the device flow did not start: ${err.message}`, busy.hint);
  }
};

/**
 * `--grant-type=auto`, as kubelogin's: the password grant when --username is given, else the loopback login. Where no
 * browser can open here (SSH, a container, no display) the loopback login still waits — its short URL works from any
 * browser that reaches this port, e.g. through `ssh -L` — and, when the IdP offers it, the device flow runs beside it:
 * whichever completes first wins and the other is cancelled. A device authorization the IdP refuses is a -v line.
 * Where the callback can listen on none of its addresses, the device flow runs alone, or without it the busy addresses
 * are the error at once.
 */
export const loginAuto = async (provider: Provider, options: LoginInput, interactive: boolean): Promise<TokenSet> => {
  const { login } = options;
  const scopes = options.provider.extraScopes;
  if (login.username) return loginWithPassword(provider, options, interactive);
  const browser = browserAvailability(currentEnvironment(), login);
  const deviceOffered = Boolean(provider.config.serverMetadata().device_authorization_endpoint);
  // Whether the callback can listen is known before anything is shown: where it cannot, the device flow stands in for
  // the loopback login, or the busy ports are the error at once.
  const server = await startLoopbackServer(login, provider.log).catch((err: unknown) => {
    if (deviceOffered && err instanceof PluginError && err.code === 'port_busy') return err;
    throw err;
  });
  if (server instanceof PluginError) return deviceCodeAlone(provider, options, server, browser.ok && !login.skipOpenBrowser);
  if (browser.ok) return loginWithBrowser(provider, login, scopes, undefined, server);

  // Said with the address, once the IdP has taken the request: an error it answers at once (a wrong client) comes alone.
  const noBrowser = (): void =>
    provider.log.info(
      `no browser can open here (${browser.why}): open the address below in a browser that reaches this machine ` +
        `(for example through ssh -L)${deviceOffered ? ', or use the device code' : ''}`,
    );
  const race = new AbortController();
  const browserLogin = loginWithBrowser(provider, { ...login, skipOpenBrowser: true }, scopes, race.signal, server, noBrowser);
  const attempts: Promise<TokenSet>[] = [browserLogin];
  if (deviceOffered) {
    let started = false;
    attempts.push(
      loginWithDeviceCode(provider, options, false, race.signal, () => {
        started = true;
      }).catch((err: unknown) => {
        // A device flow the IdP did not start, whose code expired or whose polls the IdP or the network let down leaves
        // the browser login to finish the race (it will say so if the IdP is down for it too). What the person did (a
        // denial) ends the login.
        const left = !race.signal.aborted && err instanceof PluginError && (!started || DEVICE_FLOW_LEFT.has(err.code));
        if (!left) throw err;
        provider.log.debug(`the device flow ${started ? 'ended' : 'did not start'} (${err.message}); waiting for the browser login`);
        return browserLogin;
      }),
    );
  }
  try {
    // The first to end ends the race, whether it logged in or failed: a code exchange that failed after the person
    // logged in is reported at once, not after the device code expires.
    return await Promise.race(attempts);
  } finally {
    race.abort(new PluginError('interrupted', 'the other login completed first'));
    await Promise.allSettled(attempts);
  }
};
