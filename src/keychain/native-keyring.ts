import { oneLine, PluginError } from '../errors.js';
import { type Backend, type Item, notAnswered, TIMEOUT_MS, unavailable } from './item.js';

/** A call that does not answer in time is abandoned (its thread may still hold up the exit, see secret-tool.ts). */
const answer = <T>(promise: Promise<T>): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(notAnswered()), TIMEOUT_MS);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
};

/**
 * macOS Keychain and Windows Credential Manager (and Linux without secret-tool) through @napi-rs/keyring (keyring-rs),
 * whose prebuilt modules cover every target: npm installs the platform's, and the compiled executable carries its
 * target's (scripts/compile.mjs puts it in place of this import). Imported only here.
 */
export const nativeKeyring = async (): Promise<Backend> => {
  type Module = typeof import('@napi-rs/keyring');
  let Entry: Module['AsyncEntry'];
  try {
    const imported = (await import('@napi-rs/keyring')) as Module & { default?: Module };
    Entry = (imported.default ?? imported).AsyncEntry;
  } catch (err) {
    throw unavailable(`the OS keychain module could not be loaded (${oneLine(err instanceof Error ? err.message : String(err))})`);
  }
  const wrap = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await answer(call());
    } catch (err) {
      throw err instanceof PluginError ? err : unavailable(oneLine(err instanceof Error ? err.message : String(err)));
    }
  };
  // Linux: the Secret Service or nothing. keyring-rs would otherwise fall back to the kernel keyring, which forgets the
  // key at reboot, and with it every sealed session.
  const entry = (item: Item) => new Entry(item.service, item.account, { linux: { store: 'secret-service' } });
  return {
    get: (item) => wrap(() => entry(item).getPassword()).then((value) => value ?? null),
    set: (item, value) => wrap(() => entry(item).setPassword(value)),
    delete: async (item) => {
      await wrap(() => entry(item).deletePassword());
    },
  };
};
