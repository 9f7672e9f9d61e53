import { oneLine, PluginError } from '../errors.js';
import { type Backend, notAnswered, TIMEOUT_MS, unavailable } from './item.js';

/** A keytar call that does not answer in time is abandoned (its thread may still hold up the exit, see secret-tool.ts). */
const answer = <T>(promise: Promise<T>): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(notAnswered()), TIMEOUT_MS);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
};

/** macOS Keychain and Windows Credential Manager (and Linux without secret-tool) through keytar, imported only here. */
export const keytar = async (): Promise<Backend> => {
  type Keytar = typeof import('keytar');
  let module: Keytar;
  try {
    const imported = (await import('keytar')) as Keytar & { default?: Keytar };
    module = imported.default ?? imported;
  } catch {
    throw unavailable('keytar is not installed (an optional dependency; on Linux it needs libsecret)');
  }
  const wrap = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await answer(call());
    } catch (err) {
      throw err instanceof PluginError ? err : unavailable(oneLine(err instanceof Error ? err.message : String(err)));
    }
  };
  return {
    get: (item) => wrap(() => module.getPassword(item.service, item.account)),
    set: (item, value) => wrap(() => module.setPassword(item.service, item.account, value)),
    delete: async (item) => {
      await wrap(() => module.deletePassword(item.service, item.account));
    },
  };
};
