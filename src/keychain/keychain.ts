import { PluginError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Backend, Item } from './item.js';
import { nativeKeyring } from './native-keyring.js';
import { secretTool } from './secret-tool.js';

export type { Item } from './item.js';

/**
 * The OS keychain, for one small secret at a time: read, write, delete. Linux asks the Secret Service (over D-Bus,
 * or secret-tool, or the native module where secret-tool is missing); macOS and Windows ask the native module
 * (@napi-rs/keyring). Every call answers within 2 s or rejects with a 'keychain_unavailable' PluginError.
 */
const call = async <T>(use: (backend: Backend) => Promise<T>): Promise<T> => {
  if (process.platform !== 'linux') return use(await nativeKeyring());
  try {
    return await use(secretTool);
  } catch (err) {
    if (!(err instanceof PluginError && err.code === 'keychain_no_client')) throw err;
    return use(await nativeKeyring());
  }
};

/** The secret, or null when the keychain holds no such item. */
export const readKey = (item: Item, log: Logger): Promise<string | null> => call((backend) => backend.get(item, log));

export const writeKey = (item: Item, value: string): Promise<void> => call((backend) => backend.set(item, value));

export const deleteKey = (item: Item): Promise<void> => call((backend) => backend.delete(item));
