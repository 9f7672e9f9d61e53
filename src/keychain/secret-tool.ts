import { oneLine, PluginError } from '../errors.js';
import { type Backend, type Item, locked, notAnswered, TIMEOUT_MS, unavailable } from './item.js';

const run = async (args: string[], item: Item, input?: string): Promise<string | null> => {
  // Loaded only here: a disk cache hit should not pay for child_process (~4 ms).
  const { execFile } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    const child = execFile(
      'secret-tool',
      [...args, 'service', item.service, 'account', item.account],
      { timeout: TIMEOUT_MS, killSignal: 'SIGKILL', encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const e = err as unknown as { killed?: boolean; code?: string | number };
        if (e.code === 'ENOENT') return reject(new PluginError('keychain_no_client', 'secret-tool is not installed'));
        if (e.killed) return reject(notAnswered());
        if (e.code === 1 && !stderr.trim()) return resolve(null); // lookup: no such item
        const message = oneLine(stderr.replace(/^secret-tool: /, '')) || `secret-tool failed (${String(e.code)})`;
        reject(/locked/i.test(message) ? locked(`the OS keychain is locked (${message})`) : unavailable(message));
      },
    );
    // secret-tool may exit before reading its stdin (no D-Bus): the broken pipe is its error to report, not ours.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input ?? '');
  });
};

/**
 * Linux Secret Service through libsecret's `secret-tool`, in a child process that is killed after 2 s. A call into
 * libsecret inside this process that waits for an unlock prompt cannot be abandoned: Node joins its thread
 * pool on exit, so kubectl would wait for the prompt anyway. The secret travels on stdin/stdout, never in argv.
 */
export const secretTool: Backend = {
  // Over D-Bus directly when the item is there and unlocked (~20 ms in a cold process; a child process ~50 ms); secret-tool
  // for everything else, so prompts, errors and a first-time empty keyring behave as before.
  get: async (item, log) => {
    const { readSecret } = await import('./secret-service.js');
    try {
      const secret = await readSecret({ service: item.service, account: item.account }, TIMEOUT_MS);
      if (secret !== null) {
        log.debug('read the session encryption key from the Secret Service over D-Bus');
        return secret;
      }
    } catch (err) {
      if (!(err instanceof PluginError && err.code === 'dbus')) throw err;
      // A locked item is there, and must not be taken for a missing one (a new key would orphan every sealed session).
      // Not handed to secret-tool either: it answers a locked item as a missing one, or pops an unlock prompt, which a
      // run in the background must not do.
      if (err.message === 'the item is locked') throw locked('the OS keychain is locked');
      log.debug(`reading the Secret Service over D-Bus: ${err.message}; asking secret-tool`);
    }
    return run(['lookup'], item);
  },
  set: async (item, value) => {
    await run(['store', `--label=${item.label}`], item, value);
  },
  delete: async (item) => {
    await run(['clear'], item);
  },
};
