import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, get, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from 'jose';
import type { TestCertificates } from './certs.js';

/** The gitVersion we report on /version; see FIELD-NOTES §1 about the kubectl dispatcher on these machines. */
export const FAKE_KUBERNETES_VERSION = 'v1.32.5';

export interface AuthOutcome {
  ok: boolean;
  username?: string;
  groups?: string[];
  reason?: string;
}

export interface TestApiServer {
  url: string;
  /** Every authentication decision, in order. */
  outcomes: AuthOutcome[];
  stop(): Promise<void>;
}

const getJson = (url: string, ca: string): Promise<unknown> =>
  new Promise((resolve, reject) => {
    get(url, { ca }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        try {
          resolve(JSON.parse(body));
        } catch (err) {
          reject(err);
        }
      });
    }).on('error', reject);
  });

const sendJson = (res: ServerResponse, status: number, body: unknown): void => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

const unauthorized = { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 };

/**
 * An HTTPS stand-in for kube-apiserver with legacy OIDC flags --oidc-issuer-url=<issuer> --oidc-client-id=<client>
 * --oidc-username-claim=email --oidc-groups-claim=groups: it checks the bearer ID token against the IdP's JWKS
 * (fetched over HTTPS like the API server does), iss byte for byte, aud, exp without leeway and email_verified,
 * and answers GET /version and `kubectl auth whoami`.
 */
export interface ApiServerSettings {
  /** --oidc-username-claim: email (the default here) or sub, which gets the legacy "<issuer>#" prefix. */
  usernameClaim?: 'email' | 'sub';
}

export const startApiServer = async (
  certs: TestCertificates,
  issuer: string,
  clientId: string,
  settings: ApiServerSettings = {},
): Promise<TestApiServer> => {
  const discovery = (await getJson(`${issuer}/.well-known/openid-configuration`, certs.caPem)) as { jwks_uri: string };
  const jwks = createLocalJWKSet((await getJson(discovery.jwks_uri, certs.caPem)) as JSONWebKeySet);
  const outcomes: AuthOutcome[] = [];

  const authenticate = async (req: IncomingMessage): Promise<AuthOutcome> => {
    const match = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    if (!match?.[1]) return { ok: false, reason: 'no bearer token' };
    try {
      const { payload } = await jwtVerify(match[1], jwks, { issuer, audience: clientId, algorithms: ['RS256'] });
      if (payload.email_verified !== undefined && payload.email_verified !== true) {
        return { ok: false, reason: 'oidc: email not verified' };
      }
      const groups = Array.isArray(payload.groups) ? payload.groups.map(String) : [];
      if (settings.usernameClaim === 'sub') return { ok: true, username: `${issuer}#${String(payload.sub)}`, groups };
      if (typeof payload.email !== 'string') return { ok: false, reason: 'oidc: parse username claims "email": claim not present' };
      return { ok: true, username: payload.email, groups };
    } catch (err) {
      return { ok: false, reason: (err as Error).message };
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'https://apiserver.invalid').pathname;
    if (req.method === 'GET' && path === '/version') {
      sendJson(res, 200, { major: '1', minor: '32', gitVersion: FAKE_KUBERNETES_VERSION, platform: 'linux/amd64' });
      return;
    }
    const outcome = await authenticate(req);
    outcomes.push(outcome);
    if (!outcome.ok) {
      sendJson(res, 401, unauthorized);
      return;
    }
    if (req.method === 'POST' && path === '/apis/authentication.k8s.io/v1/selfsubjectreviews') {
      req.resume();
      sendJson(res, 201, {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'SelfSubjectReview',
        metadata: { creationTimestamp: null },
        status: { userInfo: { username: outcome.username, groups: [...(outcome.groups ?? []), 'system:authenticated'] } },
      });
      return;
    }
    sendJson(res, 404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 });
  };

  // Go's net/http (kube-apiserver) accepts 1 MB of headers; Node's default is 16 KB, less than a big ID token.
  const server: Server = createServer({ key: certs.keyPem, cert: certs.certPem, maxHeaderSize: 1 << 20 }, (req, res) => {
    handle(req, res).catch(() => sendJson(res, 500, { kind: 'Status', code: 500 }));
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
  return {
    url: `https://127.0.0.1:${port}`,
    outcomes,
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
};
