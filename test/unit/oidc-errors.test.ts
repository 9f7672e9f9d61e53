import { rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PluginError } from '../../src/errors.js';
import { pollDeviceAuthorization } from '../../src/grants/device-code.js';
import { refresh } from '../../src/grants/refresh.js';
import { documentFetch } from '../../src/oidc/documents.js';
import { redact } from '../../src/oidc/failed-answer.js';
import { inspectIssuer } from '../../src/oidc/inspect.js';
import { discover, type Provider } from '../../src/oidc/provider.js';
import type { ProviderOptions } from '../../src/options/types.js';
import { testAmbient } from '../support/ambient.js';
import { makeCertificates, type TestCertificates } from '../support/certs.js';

/**
 * Error mapping from real answers: a local HTTPS server plays issuers that fail in one way each, and the errors are
 * the ones openid-client and Node really throw for them (no hand-made error objects).
 */
let certs: TestCertificates;
let server: Server;
let base: string;

const UNKNOWN_CLIENT_PAGE =
  '<!DOCTYPE html><html><head><title>Error</title><style>body{color:red}</style></head>' +
  '<body><h1>Unknown client</h1><p>The client &quot;kubectl&quot; is not known.</p><script>track()</script></body></html>';

const body = async (req: import('node:http').IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

const answer = (res: import('node:http').ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body);
};

beforeAll(async () => {
  certs = makeCertificates();
  server = createServer({ cert: certs.certPem, key: certs.keyPem }, async (req, res) => {
    if (req.url === '/.well-known/openid-configuration') {
      // An issuer without a path whose document spells it with the slash: URL comparison cannot tell them apart.
      return answer(res, 200, JSON.stringify({ issuer: `${base}/`, token_endpoint: `${base}/token`, response_types_supported: ['code'] }));
    }
    const hop = /^\/r\/([a-z-]+)(?:\/(\d+))?$/.exec(req.url ?? '');
    if (hop) {
      const [, name, n = '0'] = hop;
      if (name === 'loop-a') return answer(res, 302, '', { location: '/r/loop-b' });
      if (name === 'loop-b') return answer(res, 307, '', { location: `${base}/r/loop-a` });
      if (name === 'chain' && Number(n) > 0) return answer(res, 301, '', { location: `/r/chain/${Number(n) - 1}` });
      if (name === 'chain') return answer(res, 200, '{"keys":[]}', { 'content-type': 'application/octet-stream' });
      if (name === 'to-http') return answer(res, 301, '', { location: 'http://127.0.0.1:1/jwks' });
      if (name === 'no-location') return answer(res, 303, '');
      if (name === 'nowhere') return answer(res, 308, '', { location: '/r/gone' });
    }
    const [, scenario = '', ...rest] = (req.url ?? '').split('/');
    const path = rest.join('/');
    const issuer = `${base}/${scenario}`;
    // A Django-style provider: the document only at the slash form, the slashless one a 301 to it.
    if (scenario === 'slash' && path === '.well-known/openid-configuration') {
      return answer(res, 301, '', { location: `/${scenario}/${path}/` });
    }
    if (path === '.well-known/openid-configuration' || (scenario === 'slash' && path === '.well-known/openid-configuration/')) {
      if (scenario === 'html') return answer(res, 200, '<html>a login page</html>', { 'content-type': 'text/html' });
      if (scenario === 'missing') return answer(res, 404, 'not found', { 'content-type': 'text/plain' });
      return answer(
        res,
        200,
        JSON.stringify({
          issuer: scenario === 'mismatch' ? `${issuer}/` : issuer,
          authorization_endpoint: `${issuer}/authorize`,
          token_endpoint: `${issuer}/token`,
          jwks_uri: `${issuer}/jwks`,
          response_types_supported: ['code'],
        }),
      );
    }
    if (path === 'token') {
      if (scenario === 'stall') return; // accepts the request and never answers
      if (scenario === 'headers-stall') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"access_token":');
        return;
      }
      if (scenario === 'slow-body') {
        res.writeHead(200, { 'content-type': 'application/json' });
        const drip = setInterval(() => (res.destroyed ? clearInterval(drip) : res.write(' ')), 50);
        return;
      }
      if (scenario === 'endless') {
        res.writeHead(200, { 'content-type': 'application/json' });
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        const pump = (): void => {
          while (!res.destroyed && res.write(chunk));
          if (!res.destroyed) res.once('drain', pump);
        };
        return pump();
      }
      if (scenario === 'challenge') {
        return answer(res, 401, '', {
          'www-authenticate': 'Basic realm="idp", error="invalid_client", error_description="client authentication failed"',
        });
      }
      if (scenario === 'expired') return answer(res, 400, JSON.stringify({ error: 'expired_token' }));
      if (scenario === 'empty403') return answer(res, 403, '', { 'content-type': 'text/plain' });
      if (scenario === 'html401') return answer(res, 401, UNKNOWN_CLIENT_PAGE, { 'content-type': 'text/html; charset=utf-8' });
      if (scenario === 'echo') {
        const form = new URLSearchParams(await body(req));
        return answer(
          res,
          400,
          JSON.stringify({ error: 'invalid_grant', error_description: `unknown token ${form.get('refresh_token')} at ${LONG_URL}` }),
        );
      }
      if (scenario === 'huge') {
        res.writeHead(500, { 'content-type': 'text/plain' });
        const line = `${'internal error '.repeat(64)}\n`;
        for (let i = 0; i < 1000 && !res.destroyed; i++) res.write(line);
        return res.end();
      }
      return answer(res, 400, JSON.stringify({ error: 'invalid_grant', error_description: 'redirect_uri\nmismatch' }));
    }
    answer(res, 404, 'not found', { 'content-type': 'text/plain' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  server?.closeAllConnections();
  server?.close();
  if (certs) rmSync(certs.dir, { recursive: true, force: true });
});

const options = (scenario: string, trust = true): ProviderOptions => ({
  issuerUrl: scenario.startsWith('https:') ? scenario : `${base}/${scenario}`,
  clientId: 'kubectl',
  extraScopes: [],
  requestHeaders: {},
  certificateAuthorityFiles: trust ? [certs.caFile] : [],
  certificateAuthorityData: [],
  insecureSkipTlsVerify: false,
  tlsRenegotiationOnce: false,
  tlsRenegotiationFreely: false,
  requestTimeoutSec: 20,
});

const failure = async (promise: Promise<unknown>): Promise<PluginError> => {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PluginError);
  return err as PluginError;
};

const provider = async (scenario: string, requestTimeoutSec = 20): Promise<Provider> =>
  (await discover({ ...options(scenario), requestTimeoutSec }, {}, testAmbient())).provider;
const LONG_URL = 'https://sso.example.com/realms/kubernetes/protocol/openid-connect/token';
const REFRESH_TOKEN = 'rt-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEF';
const refreshing = async (scenario: string, requestTimeoutSec?: number): Promise<PluginError> =>
  failure(refresh(await provider(scenario, requestTimeoutSec), { refreshToken: REFRESH_TOKEN }, { wantIdToken: true }));

describe('IdP failures become one line that names the request and what to do', () => {
  it('a refused connection', async () => {
    const err = await failure(discover(options('https://127.0.0.1:1'), {}, testAmbient()));
    expect(err).toMatchObject({
      code: 'issuer_unreachable',
      message: 'OpenID discovery failed: cannot reach https://127.0.0.1:1 (ECONNREFUSED)',
    });
  });

  it('a server that does not speak HTTP: named as such, not as a parser message', async () => {
    const junk = createTlsServer({ cert: certs.certPem, key: certs.keyPem }, (socket) => socket.end('SSH-2.0-OpenSSH_9.2\r\n'));
    await new Promise<void>((resolve) => junk.listen(0, '127.0.0.1', resolve));
    const origin = `https://127.0.0.1:${(junk.address() as AddressInfo).port}`;
    try {
      const err = await failure(discover(options(origin), {}, testAmbient()));
      expect(err).toMatchObject({
        code: 'issuer_invalid',
        message: expect.stringMatching(new RegExp(`^OpenID discovery failed: ${origin} did not answer in HTTP \\(HPE_[A-Z_]+\\)$`)),
      });
    } finally {
      junk.close();
    }
  });

  it('a certificate signed by a CA we were not given', async () => {
    const err = await failure(discover(options('good', false), {}, testAmbient()));
    expect(err.code).toBe('tls');
    expect(err.message).toBe(`OpenID discovery failed: TLS error talking to ${base} (UNABLE_TO_VERIFY_LEAF_SIGNATURE)`);
    expect(err.hint).toContain('--certificate-authority');
  });

  it('a discovery document naming another issuer (a trailing slash)', async () => {
    const err = await failure(discover(options('mismatch'), {}, testAmbient()));
    expect(err.code).toBe('issuer_mismatch');
    expect(err.message).toContain('(the trailing slash matters)');
  });

  it('an issuer without a path whose document adds the slash: caught, though the URLs compare equal', async () => {
    const err = await failure(discover({ ...options('good'), issuerUrl: base }, {}, testAmbient()));
    expect(err).toMatchObject({
      code: 'issuer_mismatch',
      message: `the IdP's discovery document names issuer "${base}/" but --oidc-issuer-url is "${base}" (the trailing slash matters)`,
    });
  });

  it('a login page where the discovery document should be', async () => {
    const err = await failure(discover(options('html'), {}, testAmbient()));
    expect(err).toMatchObject({
      code: 'issuer_invalid',
      message: `no OpenID Connect discovery document at ${base}/html/.well-known/openid-configuration`,
    });
  });

  it('no discovery document: the status and the text the server sent', async () => {
    const err = await failure(discover(options('missing'), {}, testAmbient()));
    expect(err.message).toBe(
      `no OpenID Connect discovery document at ${base}/missing/.well-known/openid-configuration (HTTP 404 (text/plain): not found)`,
    );
  });

  it('a 403 with an empty body names the request, the status and the fix', async () => {
    const err = await refreshing('empty403');
    expect(err).toMatchObject({
      code: 'idp_error',
      message: 'the token request (refresh_token grant) failed: HTTP 403 with an empty body',
    });
    expect(err.hint).toMatch(/^check --oidc-client-id and --oidc-client-secret/);
  });

  it('an HTML error page becomes its text, without markup, styles or scripts', async () => {
    const err = await refreshing('html401');
    expect(err.message).toBe(
      'the token request (refresh_token grant) failed: HTTP 401 (text/html): Unknown client The client "kubectl" is not known.',
    );
  });

  it('a token the IdP echoes back is never shown', async () => {
    const err = await refreshing('echo');
    expect(err.message).toBe(`the token request (refresh_token grant) failed: HTTP 400 invalid_grant: unknown token … at ${LONG_URL}`);
    expect(JSON.stringify({ message: err.message, hint: err.hint })).not.toContain(REFRESH_TOKEN.slice(3));
  });

  it('an endless error page is cut at 200 characters', async () => {
    const err = await refreshing('huge');
    expect(err.message).toMatch(/^the token request \(refresh_token grant\) failed: HTTP 500 \(text\/plain\): (internal error ){13}/);
    expect(err.message.length).toBeLessThan(300);
  });

  it('an OAuth error body (ResponseBodyError), with redirect URI advice', async () => {
    const err = await refreshing('oauth-error');
    expect(err).toMatchObject({
      code: 'redirect_uri_mismatch',
      message: 'the token request (refresh_token grant) failed: HTTP 400 invalid_grant: redirect_uri mismatch',
    });
  });

  it('a 401 whose error is in WWW-Authenticate (WWWAuthenticateChallengeError)', async () => {
    const err = await refreshing('challenge');
    expect(err).toMatchObject({
      code: 'idp_error',
      message: 'the token request (refresh_token grant) failed: HTTP 401 invalid_client: client authentication failed',
    });
  });

  it.each([
    ['stall', 'accepts the request and never answers'],
    ['headers-stall', 'sends the headers and part of the body, then nothing'],
    ['slow-body', 'sends the body a byte at a time'],
  ])('a token endpoint that %s (%s): given up at the deadline, naming the host', async (scenario) => {
    const err = await refreshing(scenario, 0.4);
    expect(err).toMatchObject({
      code: 'issuer_unreachable',
      message: `the token request (refresh_token grant) failed: no complete answer from ${base.slice('https://'.length)} within 0.4 s`,
      hint: 'check that the IdP is up; --idp-timeout-sec gives it longer',
    });
  });

  it('an answer larger than any token response is not read whole', async () => {
    const err = await refreshing('endless');
    expect(err.message).toBe(
      `the token request (refresh_token grant) failed: the answer from ${base.slice('https://'.length)} is larger than 4 MiB; not read further`,
    );
  });

  it('an expired device code', async () => {
    const idp = await provider('expired');
    const device = {
      response: { device_code: 'd', user_code: 'u', verification_uri: `${base}/device`, expires_in: 60, interval: 0 },
      codeVerifier: undefined,
    };
    const err = await failure(pollDeviceAuthorization(idp, device, new AbortController().signal));
    expect(err).toMatchObject({ code: 'timeout', message: 'the device code expired before the login was completed' });
  });

  it("setup's issuer inspection: a missing JWKS is a finding, a missing discovery document an error with a code", async () => {
    const idp = await provider('good');
    expect((await inspectIssuer(idp)).jwksError).toBe(`the JWKS request (GET ${base}/good/jwks) failed: HTTP 404 (text/plain): not found`);
    idp.options = { ...idp.options, issuerUrl: `${base}/missing` };
    const err = await failure(inspectIssuer(idp));
    expect(err).toMatchObject({
      code: 'issuer_invalid',
      message: `the discovery request (GET ${base}/missing/.well-known/openid-configuration) failed: HTTP 404 (text/plain): not found`,
    });
  });
});

describe("the IdP's documents are read as Go's client reads them", () => {
  const get = async (path: string): Promise<Response> =>
    documentFetch((await provider('good')).fetch, 'the JWKS request')(`${base}${path}`, { headers: { accept: 'application/json' } });

  it('a discovery document only at the slash form: the 301 is followed, the issuer still compared exactly', async () => {
    const { provider: found, fetched } = await discover(options('slash'), {}, testAmbient());
    expect(found.config.serverMetadata().issuer).toBe(`${base}/slash`);
    expect(fetched?.metadata.token_endpoint).toBe(`${base}/slash/token`);
  });

  it('ten redirects are followed, the eleventh is not; any content type with a JSON body is JSON', async () => {
    const response = await get('/r/chain/10');
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ keys: [] });
    await expect(get('/r/chain/11')).rejects.toMatchObject({
      code: 'issuer_invalid',
      message: `the JWKS request (GET ${base}/r/chain/11) failed: more than 10 redirects (HTTP 301 → ${base}/r/chain/1, HTTP 301 → ${base}/r/chain/0)`,
    });
  });

  it('a loop, a redirect to http, one without a Location: one line each, naming the status and the Location', async () => {
    await expect(get('/r/loop-a')).rejects.toMatchObject({
      message: `the JWKS request (GET ${base}/r/loop-a) failed: HTTP 302 → ${base}/r/loop-b, HTTP 307 → ${base}/r/loop-a: the redirects go round in a loop`,
    });
    await expect(get('/r/to-http')).rejects.toMatchObject({
      message: `the JWKS request (GET ${base}/r/to-http) failed: HTTP 301 → http://127.0.0.1:1/jwks: a redirect from https to http is not followed`,
    });
    await expect(get('/r/no-location')).rejects.toMatchObject({
      message: `the JWKS request (GET ${base}/r/no-location) failed: HTTP 303 without a Location`,
    });
    const nowhere = await get('/r/nowhere');
    expect(nowhere.status).toBe(404);
  });

  it("an error page's secrets are masked whatever their length, and its other words kept", () => {
    expect(redact('500 upstream exploded access_token=LEAKME123')).toBe('500 upstream exploded access_token=…');
    expect(redact('{"client_secret": "s3", "password":"pw"} code=abc&state=xyz status_code=502')).toBe(
      '{"client_secret": "…", "password":"…"} code=…&state=xyz status_code=502',
    );
    expect(redact('refresh_token: rt1, id_token=a.b.c, client_assertion=eyJ, code_verifier=v')).toBe(
      'refresh_token: …, id_token=…, client_assertion=…, code_verifier=…',
    );
  });
});
