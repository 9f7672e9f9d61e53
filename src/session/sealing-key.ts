import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Ambient } from '../ambient.js';
import { readKey, writeKey } from '../keychain/keychain.js';
import { acquireLock } from './lock.js';

const ITEM = { service: 'kubectl-oidc', account: 'session-encryption-key', label: 'kubectl-oidc session encryption key' };

export interface SealingKey {
  /** The key sessions are sealed with, if one was made before. */
  key: Buffer | undefined;
  /** Makes the key on first use; serialized across processes so that all of them seal with the same key. */
  ensure(): Promise<Buffer>;
}

const decodeKey = (text: string | null): Buffer | undefined => {
  if (!text) return undefined;
  const key = Buffer.from(text.trim(), 'base64');
  return key.length === 32 ? key : undefined;
};

/** Reads the session encryption key from the OS keychain. Rejects with a 'keychain_unavailable' PluginError. */
export const openSealingKey = async (cacheDir: string, ambient: Ambient): Promise<SealingKey> => {
  let key = decodeKey(await readKey(ITEM, ambient.log));
  return {
    key,
    ensure: async () => {
      if (key) return key;
      const lock = await acquireLock(join(cacheDir, 'keychain-key.lock'), { timeoutMs: 10_000, ...ambient });
      try {
        key = decodeKey(await readKey(ITEM, ambient.log));
        if (!key) {
          const fresh = randomBytes(32);
          await writeKey(ITEM, fresh.toString('base64'));
          key = fresh;
        }
        return key;
      } finally {
        await lock.release();
      }
    },
  };
};
