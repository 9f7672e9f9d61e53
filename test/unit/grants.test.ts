import { describe, expect, it } from 'vitest';
import { callbackFromPaste } from '../../src/grants/authcode-keyboard.js';
import { browserAvailability, type Environment } from '../../src/grants/choose.js';

const env = (vars: Record<string, string>, platform: NodeJS.Platform = 'linux', inContainer = false): Environment => ({
  platform,
  env: vars,
  inContainer,
});
const none = { skipOpenBrowser: false };

describe('where a browser can open', () => {
  it.each([
    [env({ DISPLAY: ':0' }), true, 'a display is available'],
    [env({ WAYLAND_DISPLAY: 'wayland-0' }), true, 'a display is available'],
    [env({}), false, 'no display (DISPLAY/WAYLAND_DISPLAY unset)'],
    [env({ DISPLAY: ':0', SSH_CONNECTION: '1 2 3 4' }), false, 'this is an SSH session'],
    [env({}, 'linux', true), false, 'this is a container without a display'],
    [env({ WSL_DISTRO_NAME: 'Ubuntu' }), true, 'WSL opens the Windows browser'],
    [env({ BROWSER: 'w3m' }), true, '$BROWSER is set'],
    [env({}, 'darwin'), true, 'a desktop system'],
  ])('%j', (environment, ok, why) => {
    expect(browserAvailability(environment, none)).toEqual({ ok, why });
  });
  it('an explicit --browser-command or --skip-open-browser wins', () => {
    expect(browserAvailability(env({ SSH_TTY: '/dev/pts/1' }), { browserCommand: '/bin/open-it', skipOpenBrowser: false }).ok).toBe(true);
    expect(browserAvailability(env({}), { skipOpenBrowser: true }).ok).toBe(true);
  });
});

describe('what the person pastes', () => {
  const redirect = 'urn:ietf:wg:oauth:2.0:oob';
  it('takes the whole address and keeps its state and iss for checking', () => {
    const url = callbackFromPaste(
      'http://localhost:8000/?code=c1&state=s-from-idp&iss=https%3A%2F%2Fidp',
      'http://localhost:8000',
      's',
      'https://idp',
    );
    expect(url.href).toBe('http://localhost:8000/?code=c1&state=s-from-idp&iss=https%3A%2F%2Fidp');
  });
  it('takes a bare code and adds this login’s state', () => {
    const url = callbackFromPaste('c2', redirect, 'own-state', 'https://idp');
    expect(Object.fromEntries(url.searchParams)).toEqual({ code: 'c2', state: 'own-state', iss: 'https://idp' });
  });
  it('refuses something that is neither', () => {
    expect(() => callbackFromPaste('two words', redirect, 's', 'i')).toThrow(/neither an authorization code nor the address/);
    expect(() => callbackFromPaste('', redirect, 's', 'i')).toThrow();
  });
});
