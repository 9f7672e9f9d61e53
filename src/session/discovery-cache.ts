import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureCacheDir, writeFileAtomic } from './file-store.js';

/** The IdP's discovery document, kept for as long as its HTTP headers allow. Public data: no secret in it. */
interface Entry {
  issuer: string;
  metadata: Record<string, unknown> & { issuer: string };
  expiresAt: number;
}

const fileOf = (dir: string, issuer: string): string =>
  join(dir, `discovery-${createHash('sha256').update(issuer).digest('hex').slice(0, 32)}.json`);

export const readDiscovery = async (
  dir: string,
  issuer: string,
  nowMs: number,
): Promise<(Record<string, unknown> & { issuer: string }) | undefined> => {
  try {
    const entry = JSON.parse(await readFile(fileOf(dir, issuer), 'utf8')) as Entry;
    return entry.issuer === issuer && entry.expiresAt > nowMs && typeof entry.metadata?.issuer === 'string' ? entry.metadata : undefined;
  } catch {
    return undefined;
  }
};

export const writeDiscovery = async (
  dir: string,
  issuer: string,
  metadata: Record<string, unknown> & { issuer: string },
  maxAgeSec: number,
): Promise<void> => {
  if (maxAgeSec <= 0) return;
  try {
    await ensureCacheDir(dir);
    await writeFileAtomic(fileOf(dir, issuer), JSON.stringify({ issuer, metadata, expiresAt: Date.now() + maxAgeSec * 1000 }));
  } catch {
    // only an optimisation
  }
};
