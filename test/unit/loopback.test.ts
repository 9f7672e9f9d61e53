import { describe, expect, it } from 'vitest';
import { PluginError } from '../../src/errors.js';
import { errorPage, successPage } from '../../src/loopback/pages.js';
import { listenPlan, redirectTarget } from '../../src/loopback/redirect.js';
import { startLoopbackServer } from '../../src/loopback/server.js';
import { parseListenAddress } from '../../src/options/listen-address.js';
import { recordingLogger } from '../support/ambient.js';

describe('redirect URI rules', () => {
  it('defaults to 127.0.0.1:8000 then 127.0.0.1:18000, like kubelogin', () => {
    expect(listenPlan([], undefined)).toEqual([
      { host: '127.0.0.1', port: 8000 },
      { host: '127.0.0.1', port: 18000 },
    ]);
  });

  it('listens on the port of a fixed redirect URL unless told otherwise', () => {
    expect(listenPlan([], 'http://localhost:8080/callback')).toEqual([{ host: '127.0.0.1', port: 8080 }]);
    expect(listenPlan([], 'http://127.0.0.1/callback')).toEqual([{ host: '127.0.0.1', port: 80 }]);
    expect(listenPlan(['127.0.0.1:9000'], 'http://localhost:8080/callback')).toEqual([{ host: '127.0.0.1', port: 9000 }]);
  });

  it.each([
    [':0', { host: '127.0.0.1', port: 0 }],
    ['localhost:8000', { host: '127.0.0.1', port: 8000 }],
    ['[::1]:8000', { host: '::1', port: 8000 }],
    ['0.0.0.0:8000', { host: '0.0.0.0', port: 8000 }],
    ['192.168.1.2:8000', { host: '192.168.1.2', port: 8000 }],
  ])('parses %s', (text, expected) => {
    expect(parseListenAddress(text)).toEqual(expected);
  });

  it.each(['127.0.0.1', '127.0.0.1:99999', 'nonsense', 'a b:80', '[::1:80'])('refuses %s', (text) => {
    expect(() => parseListenAddress(text)).toThrow(PluginError);
  });

  it('uses http://localhost:<port> with no path by default', () => {
    const target = redirectTarget(undefined, 18000);
    expect(target.redirectUri).toBe('http://localhost:18000');
    expect(target.path).toBe('/');
    expect([...target.allowedHosts]).toEqual(['localhost:18000', '127.0.0.1:18000', '[::1]:18000']);
  });

  it('uses a fixed redirect URL byte for byte', () => {
    const target = redirectTarget('http://127.0.0.1:8080/oauth/callback', 8080);
    expect(target.redirectUri).toBe('http://127.0.0.1:8080/oauth/callback');
    expect(target.path).toBe('/oauth/callback');
  });

  it.each(['https://localhost:8000', 'http://example.com:8000/cb', 'not a url'])('refuses the redirect URL %s', (url) => {
    expect(() => redirectTarget(url, 8000)).toThrow(PluginError);
  });
});

describe('pages', () => {
  it('escapes what the IdP said', () => {
    const page = errorPage('Login failed', '<script>alert(1)</script> & "quotes"');
    expect(page).not.toContain('<script>alert(1)');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;');
  });

  it('says the user is logged in and can close the tab', () => {
    expect(successPage()).toContain('You are logged in');
    expect(successPage()).toContain('close this tab');
  });
});

describe('the callback server', () => {
  it("takes only the callback that carries this login's state: a forged one is refused and the login still waits for the real one", async () => {
    const server = await startLoopbackServer({ listenAddresses: ['127.0.0.1:0'] }, recordingLogger());
    try {
      const abort = new AbortController();
      const waiting = server.waitForCallback('the-state', abort.signal, 'https://idp.example/auth');
      const ended = waiting.then(
        () => 'the login took it' as const,
        () => 'the login failed on it' as const,
      );
      const base = server.target.redirectUri.replace('localhost', '127.0.0.1');
      for (const query of ['?state=forged&code=c1', '?code=c1', '?state=&code=c1', '?state=forged&error=access_denied']) {
        // Whichever comes first: the server's answer to the forged callback, or the login ending on it.
        const outcome = await Promise.race([
          fetch(`${base}/${query}`).then(async (r) => ({ status: r.status, page: await r.text() })),
          ended,
        ]);
        expect(outcome, query).toEqual({
          status: 400,
          page: expect.stringContaining('the response does not carry the state of this login'),
        });
      }
      const answered = fetch(`${base}/?state=the-state&code=the-code`);
      const { url, finish } = await waiting;
      expect(url.searchParams.get('code')).toBe('the-code');
      await finish({ ok: true, account: 'alice' });
      expect((await answered).status).toBe(200);
    } finally {
      await server.close(true);
    }
  });
});
