import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TestCertificates } from './certs.js';

/** What a request to the IdP is, by the path oidc-provider serves it at. */
export type RequestKind = 'discovery' | 'jwks' | 'authorization' | 'token' | 'device-authorization' | 'revocation' | 'userinfo' | 'other';

export type RedirectStatus = 301 | 302 | 303 | 307 | 308;

/**
 * What the front does to the IdP's answers, per test. Every field is a quirk of an IdP or a proxy seen in the field
 * (docs/idp-compatibility.md); unset, the front forwards everything as it is.
 */
export interface FrontQuirks {
  /** Discovery and the JWKS moved: a redirect with this status to where the front serves them. */
  redirect?: { discovery?: RedirectStatus; jwks?: RedirectStatus };
  /** As Django-based providers route it: the document only at `…/openid-configuration/`, the prescribed URL a 301 there. */
  slashOnlyDiscovery?: boolean;
  /** Discovery redirects that go to a missing page, round in a loop, or from https to http. */
  brokenRedirect?: 'nowhere' | 'loop' | 'to-http';
  /** Response headers set on answers of a kind (an array sends the header once per value). */
  headers?: Partial<Record<RequestKind, Record<string, string | string[]>>>;
  /** Fields left out of the discovery document. */
  dropFields?: string[];
  /** The JWKS answers with this status and an empty body (a key outage). */
  jwksStatus?: number;
  /** Requests of these kinds, or token requests of these grant types, are taken and never answered. */
  stall?: string[];
  /** Token requests answered with this status and HTML page instead of reaching the IdP. */
  tokenErrorPage?: { status: number; html: string };
}

export interface QuirkFront {
  origin: string;
  /** Requests that reached the front, by kind, and token requests by `token:<grant_type>`. */
  counts: Record<string, number>;
  /** Every authorization request's query, as the front saw it. */
  authorizationQueries: URLSearchParams[];
  setQuirks(quirks: FrontQuirks): void;
  /** Where the IdP behind the front listens (it is started after the front, whose origin is its issuer). */
  setBackend(port: number): void;
  /** Forgets the requests counted so far (those of the stack's own start). */
  resetCounts(): void;
  stop(): Promise<void>;
}

const WELL_KNOWN = '/.well-known/openid-configuration';
const MOVED = '/moved';

const kindOf = (path: string): RequestKind => {
  if (path === WELL_KNOWN || path === `${WELL_KNOWN}/`) return 'discovery';
  if (path === '/jwks') return 'jwks';
  if (path === '/auth') return 'authorization';
  if (path === '/token') return 'token';
  if (path === '/device/auth') return 'device-authorization';
  if (path === '/token/revocation') return 'revocation';
  if (path === '/me') return 'userinfo';
  return 'other';
};

const readBody = async (req: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

/**
 * A TLS proxy in front of the test IdP that makes it misbehave as IdPs and proxies in the field do: redirects on the
 * public documents, odd but valid headers, missing optional fields, error pages, requests that are never answered.
 * The IdP behind it is the real one: the front only changes what travels.
 */
export const startQuirkFront = async (certs: TestCertificates): Promise<QuirkFront> => {
  let quirks: FrontQuirks = {};
  let backend = 0;
  const counts: Record<string, number> = {};
  const authorizationQueries: URLSearchParams[] = [];
  const sockets = new Set<Duplex>();
  const count = (name: string): void => {
    counts[name] = (counts[name] ?? 0) + 1;
  };

  const redirect = (res: ServerResponse, status: number, location: string): void => {
    res.writeHead(status, { location, 'content-length': '0' }).end();
  };

  /** The answers the front gives itself instead of the IdP's; true when it did. */
  const answeredByFront = (req: IncomingMessage, res: ServerResponse, path: string): boolean => {
    if (path === WELL_KNOWN && quirks.brokenRedirect === 'nowhere') {
      redirect(res, 302, '/nowhere');
      return true;
    }
    if (path === WELL_KNOWN && quirks.brokenRedirect === 'loop') {
      redirect(res, 302, '/elsewhere');
      return true;
    }
    if (path === '/elsewhere' && quirks.brokenRedirect === 'loop') {
      redirect(res, 301, `${origin}${WELL_KNOWN}`);
      return true;
    }
    if (path === WELL_KNOWN && quirks.brokenRedirect === 'to-http') {
      redirect(res, 301, `http://${req.headers.host}${WELL_KNOWN}`);
      return true;
    }
    if (path === WELL_KNOWN && quirks.slashOnlyDiscovery) {
      redirect(res, 301, `${origin}${WELL_KNOWN}/`);
      return true;
    }
    if (path === WELL_KNOWN && quirks.redirect?.discovery) {
      redirect(res, quirks.redirect.discovery, `${MOVED}${WELL_KNOWN}`);
      return true;
    }
    if (path === '/jwks' && quirks.redirect?.jwks) {
      redirect(res, quirks.redirect.jwks, `${origin}${MOVED}/jwks`);
      return true;
    }
    if (kindOf(path) === 'jwks' && quirks.jwksStatus) {
      res.writeHead(quirks.jwksStatus, { 'content-length': '0' }).end();
      return true;
    }
    if (kindOf(path) === 'token' && quirks.tokenErrorPage) {
      res.writeHead(quirks.tokenErrorPage.status, { 'content-type': 'text/html; charset=utf-8' }).end(quirks.tokenErrorPage.html);
      return true;
    }
    return false;
  };

  const forward = async (req: IncomingMessage, res: ServerResponse, path: string, query: string, body: Buffer): Promise<void> => {
    const kind = kindOf(path);
    const upstream = await new Promise<IncomingMessage>((resolve, reject) => {
      const headers = { ...req.headers };
      delete headers['accept-encoding'];
      const out = request(
        {
          host: '127.0.0.1',
          port: backend,
          method: req.method,
          path: `${path.replace(/\/$/, '') || '/'}${query}`,
          headers,
          ca: certs.caPem,
          // A connection per request: a pooled one the IdP is closing at that moment would reset the forwarded request.
          agent: false,
        },
        resolve,
      );
      out.once('error', reject);
      out.end(body);
    });
    let payload = await readBody(upstream);
    const headers: OutgoingHttpHeaders = { ...upstream.headers };
    if (kind === 'discovery' && quirks.dropFields?.length && upstream.statusCode === 200) {
      const document = JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
      for (const field of quirks.dropFields) delete document[field];
      payload = Buffer.from(JSON.stringify(document));
    }
    for (const [name, value] of Object.entries(quirks.headers?.[kind] ?? {})) headers[name.toLowerCase()] = value;
    headers['content-length'] = String(payload.byteLength);
    delete headers['transfer-encoding'];
    res.writeHead(upstream.statusCode ?? 502, headers).end(payload);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'https://front');
    const moved = url.pathname.startsWith(`${MOVED}/`);
    const path = moved ? url.pathname.slice(MOVED.length) : url.pathname;
    const kind = kindOf(path);
    const body = await readBody(req);
    count(kind);
    const grant = kind === 'token' ? new URLSearchParams(body.toString('utf8')).get('grant_type') : null;
    if (grant) count(`token:${grant}`);
    if (kind === 'authorization' && req.method === 'GET') authorizationQueries.push(url.searchParams);
    if (quirks.stall?.includes(kind) || (grant && quirks.stall?.includes(grant))) {
      count('stalled');
      return; // taken, never answered: the socket closes when the front stops
    }
    if (!moved && answeredByFront(req, res, path)) return;
    await forward(req, res, path, url.search, body);
  };
  // A client that goes away mid-request (a plugin killed, or exiting with a keep-alive socket open) ends only its request.
  const server: Server = createServer({ key: certs.keyPem, cert: certs.certPem }, (req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    counts,
    authorizationQueries,
    setQuirks: (next) => {
      quirks = next;
    },
    setBackend: (port) => {
      backend = port;
    },
    resetCounts: () => {
      for (const name of Object.keys(counts)) delete counts[name];
      authorizationQueries.length = 0;
    },
    stop: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
};
