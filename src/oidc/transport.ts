import type { SecureContext } from 'node:tls';

/** What every transport to the IdP is: fetch's shape, over node:https or undici. */
export type Fetch = (url: string, init?: RequestInit) => Promise<Response>;

/** How IdP connections are verified. */
export interface TlsSettings {
  secureContext: SecureContext;
  rejectUnauthorized: boolean;
}
