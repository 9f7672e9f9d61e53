import type { SecureContext } from 'node:tls';

/** What every transport to the IdP is: fetch's shape, over node:https or undici. */
export type Fetch = (url: string, init?: RequestInit) => Promise<Response>;

/** How IdP connections are made and verified. */
export interface TlsSettings {
  secureContext: SecureContext;
  rejectUnauthorized: boolean;
  /** Give up a connection (TCP and TLS) that is not up after this long. */
  connectTimeoutMs: number;
}

/** Why a request to the IdP was given up: no connection, or no complete answer, in time. */
export class Deadline extends Error {
  constructor(
    readonly host: string,
    readonly seconds: number,
    readonly phase: 'connect' | 'answer',
  ) {
    super(`${phase === 'connect' ? 'could not connect to' : 'no complete answer from'} ${host} within ${seconds} s`);
    this.name = 'Deadline';
  }
}

/** An answer larger than any real one (a token response is a few kB; one with 200 groups some 20 kB). */
export class Oversized extends Error {
  constructor(
    readonly host: string,
    readonly limit: number,
  ) {
    super(`the answer from ${host} is larger than ${limit / 1024 / 1024} MiB; not read further`);
    this.name = 'Oversized';
  }
}
