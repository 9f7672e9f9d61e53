import { fileStore } from './file-store.js';
import { aesGcmSealer, type Sealer } from './seal.js';
import { openSealingKey } from './sealing-key.js';
import type { SessionStore } from './tokens.js';

/**
 * Sessions sealed with a key from the OS keychain. Rejects with a 'keychain_unavailable' PluginError when the keychain
 * cannot be read; a keychain that answers the read but not the write of a first key hands the save to `fallBack`.
 * Its own file in dist/ (keyring.cjs), loaded only for keyring storage: a disk cache hit does not even parse it.
 */
export const openKeyringStore = async (dir: string, fallBack: (reason: string) => Promise<SessionStore>): Promise<SessionStore> => {
  const sealingKey = await openSealingKey(dir);
  const read = fileStore(dir, sealingKey.key ? aesGcmSealer(sealingKey.key) : undefined);
  return {
    name: 'keyring',
    persistent: true,
    load: read.load,
    remove: read.remove,
    save: async (key, tokens, sessionInfo) => {
      let sealer: Sealer;
      try {
        sealer = aesGcmSealer(await sealingKey.ensure());
      } catch (err) {
        // The keychain answered a read but not this write: treat it as unavailable (with the notice) rather than lose the login.
        return (await fallBack((err as Error).message)).save(key, tokens, sessionInfo);
      }
      return fileStore(dir, sealer).save(key, tokens, sessionInfo);
    },
  };
};
