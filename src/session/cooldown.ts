import { readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Ambient } from '../ambient.js';
import { ensureCacheDir, writeFileAtomic } from './file-store.js';

/**
 * After a login that was abandoned or failed in the browser, other processes (an IDE polling, k9s) must not open a
 * tab each: for a while they fail fast instead. The note holds no secret: when and why the login failed.
 */
export interface Cooldown {
  until: number;
  reason: string;
  at: number;
  /** The process that ran the failed login (kubectl): after a failure it runs the plugin again for the same command. */
  parent?: number;
}

const fileOf = (dir: string, key: string): string => join(dir, `${key}.cooldown`);

export const readCooldown = async (dir: string, key: string, nowMs: number): Promise<Cooldown | undefined> => {
  try {
    const cooldown = JSON.parse(await readFile(fileOf(dir, key), 'utf8')) as Cooldown;
    return typeof cooldown.until === 'number' && cooldown.until > nowMs ? cooldown : undefined;
  } catch {
    return undefined;
  }
};

export const startCooldown = async (
  dir: string,
  key: string,
  cooldown: { seconds: number; reason: string; parent: number },
  { clock, log }: Ambient,
): Promise<void> => {
  const { seconds, reason, parent } = cooldown;
  if (seconds <= 0) return;
  const at = clock.now();
  await ensureCacheDir(dir, log);
  await writeFileAtomic(fileOf(dir, key), JSON.stringify({ until: at + seconds * 1000, reason, at, parent }));
};

export const clearCooldown = async (dir: string, key: string): Promise<void> => {
  await unlink(fileOf(dir, key)).catch(() => undefined);
};
