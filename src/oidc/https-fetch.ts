import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import { Deadline, type Fetch, type TlsSettings } from './transport.js';

const NULL_BODY = new Set([101, 204, 205, 304]);

const requestBody = async (body: RequestInit['body']): Promise<string | Buffer | undefined> => {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string' || body instanceof URLSearchParams) return body.toString();
  return Buffer.from(await new Response(body).arrayBuffer());
};

/**
 * The small part of fetch that openid-client and the plugin use (method, headers, body, redirect: 'manual', signal),
 * over node:https. A cold process pays ~90 ms to load undici and ~30 ms for Node's own fetch; this costs a few.
 */
export const httpsFetch =
  (tls: TlsSettings): Fetch =>
  async (url, init = {}) => {
    const target = new URL(url);
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, name) => {
      headers[name] = value;
    });
    if (init.body instanceof URLSearchParams && !headers['content-type']) {
      headers['content-type'] = 'application/x-www-form-urlencoded;charset=UTF-8';
    }
    const body = await requestBody(init.body);
    const send = target.protocol === 'http:' ? httpRequest : httpsRequest;
    return new Promise<Response>((resolve, reject) => {
      const req = send(
        target,
        {
          method: init.method ?? 'GET',
          headers,
          ...(target.protocol === 'https:' ? { secureContext: tls.secureContext, rejectUnauthorized: tls.rejectUnauthorized } : {}),
          ...(init.signal ? { signal: init.signal } : {}),
        },
        (res) => {
          const responseHeaders = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            for (const item of Array.isArray(value) ? value : value === undefined ? [] : [value]) responseHeaders.append(name, item);
          }
          const status = res.statusCode ?? 500;
          const stream = NULL_BODY.has(status) || init.method === 'HEAD' ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>);
          if (!stream) res.resume();
          resolve(new Response(stream, { status, statusText: res.statusMessage ?? '', headers: responseHeaders }));
        },
      );
      // A connection that is not up in time (a black-holed address, a server that never completes TLS) is given up.
      req.once('socket', (socket) => {
        if (!socket.connecting) return;
        const seconds = tls.connectTimeoutMs / 1000;
        const timer = setTimeout(() => req.destroy(new Deadline(target.host, seconds, 'connect')), tls.connectTimeoutMs);
        socket.once(target.protocol === 'https:' ? 'secureConnect' : 'connect', () => clearTimeout(timer));
        socket.once('close', () => clearTimeout(timer));
      });
      // fetch rejects with TypeError('fetch failed', { cause }), which the error translation reads.
      req.once('error', (cause) => reject(init.signal?.aborted ? init.signal.reason : new TypeError('fetch failed', { cause })));
      req.end(body);
    });
  };
