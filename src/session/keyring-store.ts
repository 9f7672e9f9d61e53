import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Ambient } from '../ambient.js';
import { PluginError } from '../errors.js';
import { fileStore, isSealedSession } from './file-store.js';
import { aesGcmSealer } from './seal.js';
import { openSealingKey } from './sealing-key.js';
import type { SessionStore } from './tokens.js';

const isSealedFile = (path: string): boolean => {
  try {
    return isSealedSession(readFileSync(path, 'utf8'));
  } catch {
    return false;
  }
};

/**
 * Sessions sealed with a key from the OS keychain. Rejects with a 'keychain_locked' or 'keychain_unavailable'
 * PluginError when the key cannot be read. A keychain that gives the key but will not take a first one fails the save
 * (the token is then not cached): a keyring store never writes a plain file.
 * Its own file in dist/ (keyring.cjs), loaded only for keyring storage: a disk cache hit does not even parse it.
 */
export const openKeyringStore = async (dir: string, ambient: Ambient): Promise<SessionStore> => {
  const sealingKey = await openSealingKey(dir, ambient);
  const read = fileStore(dir, sealingKey.key ? aesGcmSealer(sealingKey.key) : undefined, ambient);
  let toldKeyGone = false; // a run loads twice (before and under the lock): one line
  return {
    name: 'keyring',
    persistent: true,
    load: async (key) => {
      const tokens = await read.load(key);
      if (!tokens && !sealingKey.key && !toldKeyGone && isSealedFile(join(dir, `${key}.json`))) {
        toldKeyGone = true;
        ambient.log.info(
          'the session encryption key is gone from the OS keychain, so this sealed session cannot be opened; logging in again',
        );
      }
      return tokens;
    },
    remove: read.remove,
    recover: (key) => read.recover?.(key) ?? Promise.resolve(),
    save: async (key, tokens, sessionInfo) => {
      let sealed: Buffer;
      try {
        sealed = await sealingKey.ensure();
      } catch (err) {
        throw new PluginError('cache', `the OS keychain would not take the session encryption key (${(err as Error).message})`);
      }
      return fileStore(dir, aesGcmSealer(sealed), ambient).save(key, tokens, sessionInfo);
    },
  };
};
