import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Server } from 'node:net';
import { PluginError } from '../errors.js';
import type { Logger } from '../log.js';
import { isLoopback, type ListenAddress } from '../options/listen-address.js';
import { errorPage, successPage } from './pages.js';
import { listenPlan, type RedirectTarget, redirectTarget } from './redirect.js';

const MAX_URL_LENGTH = 8192;

export interface Callback {
  /** The redirect URI with the callback's query, ready for openid-client. */
  url: URL;
  /** Shows the person the outcome of the login in the tab they are looking at; resolves once the page is sent. */
  finish(outcome: { ok: true; account?: string; redirectTo?: string } | { ok: false; message: string }): Promise<void>;
}

export interface LoopbackServer {
  target: RedirectTarget;
  address: string;
  /**
   * Resolves with the one callback that carries `state` and a code; rejects on an IdP error response or abort. Meanwhile
   * the server's root without parameters (the short URL) redirects to `authorizationUrl`, as kubelogin's does.
   */
  waitForCallback(state: string, signal: AbortSignal, authorizationUrl: string): Promise<Callback>;
  /** The short URL a person can type: the redirect URI's origin. */
  shortUrl: string;
  close(now?: boolean): Promise<void>;
}

const send = (res: ServerResponse, status: number, html: string): Promise<void> => {
  const sent = new Promise<void>((resolve) => {
    res.once('finish', resolve);
    res.once('close', resolve);
  });
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
    'x-content-type-options': 'nosniff',
    connection: 'close',
  });
  res.end(html);
  return sent;
};

const redirect = (res: ServerResponse, location: string): Promise<void> =>
  new Promise((resolve) => {
    res.writeHead(302, { location, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer', connection: 'close' });
    res.end(resolve);
  });

const bind = (server: Server, address: ListenAddress): Promise<number> =>
  new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      server.off('listening', onListening);
      reject(err);
    };
    const onListening = (): void => {
      server.off('error', onError);
      const bound = server.address();
      resolve(typeof bound === 'object' && bound ? bound.port : address.port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host: address.host, port: address.port, exclusive: true });
  });

const display = (a: ListenAddress): string => (a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`);

export interface CallbackSettings {
  listenAddresses: string[];
  redirectUrl?: string;
  /** Host of the default redirect URI (kubelogin's --oidc-redirect-url-hostname). */
  redirectHostname?: string;
  /** PEM files: serve the callback over HTTPS (for IdPs that require an https redirect URI). */
  localServerCert?: string;
  localServerKey?: string;
}

const readPem = (file: string, flag: string): string => {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new PluginError('usage', `cannot read --${flag} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
};

/** The callback server: plain HTTP, or HTTPS with the given certificate. */
const createCallbackServer = async (
  settings: CallbackSettings,
  handle: (req: IncomingMessage, res: ServerResponse) => unknown,
): Promise<Server & { closeIdleConnections(): void; closeAllConnections(): void; keepAliveTimeout: number }> => {
  const { localServerCert: cert, localServerKey: key } = settings;
  if (!cert && !key) return createServer({ maxHeaderSize: 16384 }, handle);
  if (!cert || !key) throw new PluginError('usage', '--local-server-cert and --local-server-key go together');
  const { createServer: createHttpsServer } = await import('node:https');
  return createHttpsServer(
    { maxHeaderSize: 16384, cert: readPem(cert, 'local-server-cert'), key: readPem(key, 'local-server-key') },
    handle,
  );
};

/** Binds the first free address of the plan, saying which it took and why it skipped the others. */
export const startLoopbackServer = async (settings: CallbackSettings, log: Logger): Promise<LoopbackServer> => {
  const { redirectUrl } = settings;
  const plan = listenPlan(settings.listenAddresses, redirectUrl);
  let handler: (req: IncomingMessage, res: ServerResponse) => unknown = (_req, res) =>
    send(res, 503, errorPage('Not ready', 'kubectl-oidc is not expecting a login response yet.'));
  const server = await createCallbackServer(settings, (req, res) => handler(req, res));
  server.keepAliveTimeout = 1000;

  const skipped: string[] = [];
  let port: number | undefined;
  let chosen: ListenAddress | undefined;
  for (const address of plan) {
    try {
      port = await bind(server, address);
      chosen = address;
      break;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      const reason = code === 'EADDRINUSE' ? 'in use' : code === 'EACCES' ? 'not permitted' : code;
      skipped.push(`${display(address)} (${reason})`);
    }
  }
  if (port === undefined || !chosen) {
    throw new PluginError(
      'port_busy',
      `cannot listen for the login callback: ${skipped.join(', ')}`,
      'free one of these ports, or pass --listen-address 127.0.0.1:0 for any free port if the IdP accepts any loopback port',
    );
  }
  const address = display({ ...chosen, port });
  if (skipped.length > 0) log.info(`skipped ${skipped.join(', ')}; listening on ${address}`);
  else log.debug(`listening on ${address}`);
  if (!isLoopback(chosen)) log.info(`listening on ${address}: the login callback can be reached from the network (--listen-address)`);
  const target = redirectTarget(redirectUrl, port, settings.redirectHostname, settings.localServerCert ? 'https' : 'http');

  const shortUrl = `${new URL(target.redirectUri).origin}/`;
  const waitForCallback = (state: string, signal: AbortSignal, authorizationUrl: string): Promise<Callback> =>
    new Promise<Callback>((resolve, reject) => {
      let done = false;
      const onAbort = (): void => {
        done = true;
        reject(signal.reason);
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });

      handler = (req, res) => {
        const reject400 = (why: string): Promise<void> => {
          log.debug(`ignored a request to the callback server: ${why}`);
          return send(
            res,
            400,
            errorPage('This is not the login in progress', why, 'Start the login again from your terminal if you need to.'),
          );
        };
        if (done) {
          send(res, 409, errorPage('Login already finished', 'This login has already ended.', 'You can close this tab.'));
          return;
        }
        if (req.method !== 'GET') return reject400(`method ${req.method} is not allowed`);
        if (!req.headers.host || !target.allowedHosts.has(req.headers.host)) return reject400('unexpected Host header');
        const raw = req.url ?? '/';
        if (raw.length > MAX_URL_LENGTH) return reject400('the request is too large');
        const url = new URL(raw, 'http://callback.invalid');
        if (url.pathname === '/' && url.search === '') {
          void redirect(res, authorizationUrl);
          return;
        }
        if (url.pathname !== target.path) {
          send(res, 404, errorPage('Not found', 'This address is only for the login callback.'));
          return;
        }
        const params = url.searchParams;
        if (params.get('state') !== state) return reject400('the response does not carry the state of this login');
        const error = params.get('error');
        if (error) {
          done = true;
          const description = params.get('error_description');
          const message = `the IdP answered the login with ${error}${description ? `: ${description}` : ''}`;
          send(res, 200, errorPage('Login failed', message));
          signal.removeEventListener('abort', onAbort);
          reject(new PluginError('login_failed', message.replace(/\s+/g, ' ')));
          return;
        }
        if (!params.get('code')) return reject400('the response carries no authorization code');
        done = true;
        signal.removeEventListener('abort', onAbort);
        const callbackUrl = new URL(target.redirectUri);
        callbackUrl.search = url.search;
        resolve({
          url: callbackUrl,
          finish: (outcome) => {
            if (!outcome.ok) return send(res, 200, errorPage('Login failed', outcome.message));
            if (outcome.redirectTo) return redirect(res, outcome.redirectTo);
            return send(res, 200, successPage(outcome.account));
          },
        });
      };
    });

  /** Lets the browser read its page (a second at most), or at once when the run is being cut short. */
  const close = (now = false): Promise<void> =>
    new Promise((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
      if (now) server.closeAllConnections();
      else setTimeout(() => server.closeAllConnections(), 1000).unref();
    });

  return { target, address, shortUrl, waitForCallback, close };
};
