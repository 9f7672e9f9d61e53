import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Ambient } from '../ambient.js';
import { ensureCacheDir, writeFileAtomic } from './file-store.js';

type Metadata = Record<string, unknown> & { issuer: string };

/** What one client learned of this IdP: what is worth knowing before the next request. */
export interface ClientFacts {
  /** The client-authentication method that worked at the token endpoint. */
  clientAuth?: string;
  /** Whether a refresh that asked for the openid scope got an ID token back. */
  idTokenOnRefresh?: boolean;
  /** False: the IdP refused a refresh that named a scope (invalid_scope) and took it without one. */
  refreshScope?: boolean;
  /** Whether the IdP's last refresh answer brought a new refresh token (the old one then is spent). */
  refreshRotates?: boolean;
}

/**
 * What is kept of an issuer: its discovery document for as long as its HTTP headers allow, its keys as last fetched,
 * and per client what it learned (kept beyond the document's age). Public data: no secret in it.
 */
interface Entry {
  issuer: string;
  metadata?: Metadata;
  expiresAt: number;
  clients?: Record<string, ClientFacts>;
  jwks?: { keys: unknown[] };
}

export interface IssuerRecord {
  /** The discovery document, while it is fresh. */
  metadata?: Metadata;
  /** Client id → what that client learned. */
  clients: Record<string, ClientFacts>;
  /** The IdP's keys as last fetched, to verify ID tokens without a request. */
  jwks?: { keys: unknown[] };
}

export type IssuerUpdate =
  | { metadata: Metadata; maxAgeSec: number }
  | { clientId: string; learned: ClientFacts }
  | { jwks: { keys: unknown[] } };

const fileOf = (dir: string, issuer: string): string =>
  join(dir, `discovery-${createHash('sha256').update(issuer).digest('hex').slice(0, 32)}.json`);

const readEntry = async (dir: string, issuer: string): Promise<Entry | undefined> => {
  try {
    const entry = JSON.parse(await readFile(fileOf(dir, issuer), 'utf8')) as Entry;
    return entry.issuer === issuer ? entry : undefined;
  } catch {
    return undefined;
  }
};

export const readDiscovery = async (dir: string, issuer: string, nowMs: number): Promise<IssuerRecord> => {
  const entry = await readEntry(dir, issuer);
  const fresh = entry && entry.expiresAt > nowMs && typeof entry.metadata?.issuer === 'string';
  const clients = entry?.clients && typeof entry.clients === 'object' ? entry.clients : {};
  const jwks = Array.isArray(entry?.jwks?.keys) ? { jwks: entry.jwks } : {};
  return fresh ? { metadata: entry.metadata as Metadata, clients, ...jwks } : { clients, ...jwks };
};

/** Keeps a freshly fetched document, the keys, or what a client learned; the rest of the record stays as it was. */
export const writeDiscovery = async (dir: string, issuer: string, update: IssuerUpdate, { clock, log }: Ambient): Promise<void> => {
  try {
    const entry: Entry = (await readEntry(dir, issuer)) ?? { issuer, expiresAt: 0 };
    if ('metadata' in update) {
      if (update.maxAgeSec <= 0 && !entry.clients && !entry.jwks) return;
      entry.metadata = update.metadata;
      entry.expiresAt = clock.now() + update.maxAgeSec * 1000;
    } else if ('jwks' in update) {
      entry.jwks = update.jwks;
    } else {
      entry.clients = { ...entry.clients, [update.clientId]: { ...entry.clients?.[update.clientId], ...update.learned } };
    }
    await ensureCacheDir(dir, log);
    await writeFileAtomic(fileOf(dir, issuer), JSON.stringify(entry));
  } catch {
    // only an optimisation
  }
};
