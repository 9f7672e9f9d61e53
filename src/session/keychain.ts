import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { oneLine } from '../errors.js';
import { debug } from '../log.js';
import { acquireLock } from './lock.js';

const SERVICE = 'kubectl-oidc';
const ACCOUNT = 'session-encryption-key';
const TIMEOUT_MS = 2000;

export interface Keychain {
  /** The session encryption key, if one was made before. */
  key: Buffer | undefined;
  /** Makes the key on first use; serialized across processes so that all of them seal with the same key. */
  ensureKey(): Promise<Buffer>;
}

export class KeychainUnavailable extends Error {}

/** The two operations we need from an OS keychain: one small secret, read and written. */
interface Backend {
  get(): Promise<string | null>;
  set(value: string): Promise<void>;
}

class NoSecretTool extends Error {}

const notAnswered = (): KeychainUnavailable => new KeychainUnavailable(`the OS keychain did not answer within ${TIMEOUT_MS / 1000} s (locked?)`);

/**
 * Linux Secret Service through libsecret's `secret-tool`, in a child process that is killed after 2 s. A call into
 * libsecret inside this process (keytar) that waits for an unlock prompt cannot be abandoned: Node joins its thread
 * pool on exit, so kubectl would wait for the prompt anyway. The secret travels on stdin/stdout, never in argv.
 */
const secretTool = (): Backend => {
  const run = async (args: string[], input?: string): Promise<string | null> => {
    // Loaded only here: a disk cache hit should not pay for child_process (~4 ms).
    const { execFile } = await import('node:child_process');
    return new Promise((resolve, reject) => {
      const child = execFile(
        'secret-tool',
        [...args, 'service', SERVICE, 'account', ACCOUNT],
        { timeout: TIMEOUT_MS, killSignal: 'SIGKILL', encoding: 'utf8' },
        (err, stdout, stderr) => {
          if (!err) return resolve(stdout);
          const e = err as unknown as { killed?: boolean; code?: string | number };
          if (e.code === 'ENOENT') return reject(new NoSecretTool());
          if (e.killed) return reject(notAnswered());
          if (e.code === 1 && !stderr.trim()) return resolve(null); // lookup: no such item
          reject(new KeychainUnavailable(oneLine(stderr.replace(/^secret-tool: /, '')) || `secret-tool failed (${String(e.code)})`));
        },
      );
      // secret-tool may exit before reading its stdin (no D-Bus): the broken pipe is its error to report, not ours.
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(input ?? '');
    });
  };
  return {
    // Over D-Bus directly when the item is there and unlocked (~20 ms in a cold process; a child process ~50 ms); secret-tool
    // for everything else, so prompts, errors and a first-time empty keyring behave as before.
    get: async () => {
      const { readSecret, SecretServiceUnanswered } = await import('./secret-service.js');
      try {
        const secret = await readSecret({ service: SERVICE, account: ACCOUNT }, TIMEOUT_MS, notAnswered);
        if (secret !== null) {
          debug('read the session encryption key from the Secret Service over D-Bus');
          return secret;
        }
      } catch (err) {
        if (!(err instanceof SecretServiceUnanswered)) throw err;
        debug(`reading the Secret Service over D-Bus: ${err.message}; asking secret-tool`);
      }
      return run(['lookup']);
    },
    set: async (value) => {
      await run(['store', '--label=kubectl-oidc session encryption key'], value);
    },
  };
};

/** A keytar call that does not answer in time is abandoned (its thread may still hold up the exit, see above). */
const answer = <T>(promise: Promise<T>): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(notAnswered()), TIMEOUT_MS);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
};

/** macOS Keychain and Windows Credential Manager (and Linux without secret-tool) through keytar, imported only here. */
const keytar = async (): Promise<Backend> => {
  type Keytar = typeof import('keytar');
  let module: Keytar;
  try {
    const imported = (await import('keytar')) as Keytar & { default?: Keytar };
    module = imported.default ?? imported;
  } catch {
    throw new KeychainUnavailable('keytar is not installed (an optional dependency; on Linux it needs libsecret)');
  }
  const wrap = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await answer(call());
    } catch (err) {
      throw err instanceof KeychainUnavailable ? err : new KeychainUnavailable(oneLine(err instanceof Error ? err.message : String(err)));
    }
  };
  return {
    get: () => wrap(() => module.getPassword(SERVICE, ACCOUNT)),
    set: (value) => wrap(() => module.setPassword(SERVICE, ACCOUNT, value)),
  };
};

const decodeKey = (text: string | null): Buffer | undefined => {
  if (!text) return undefined;
  const key = Buffer.from(text.trim(), 'base64');
  return key.length === 32 ? key : undefined;
};

/** Opens the OS keychain and reads the session encryption key. Throws KeychainUnavailable. */
export const openKeychain = async (cacheDir: string): Promise<Keychain> => {
  let backend: Backend = process.platform === 'linux' ? secretTool() : await keytar();
  let key: Buffer | undefined;
  try {
    key = decodeKey(await backend.get());
  } catch (err) {
    if (!(err instanceof NoSecretTool)) throw err;
    backend = await keytar();
    key = decodeKey(await backend.get());
  }
  return {
    key,
    ensureKey: async () => {
      if (key) return key;
      const lock = await acquireLock(join(cacheDir, 'keychain-key.lock'), { timeoutMs: 10_000 });
      try {
        key = decodeKey(await backend.get());
        if (!key) {
          const fresh = randomBytes(32);
          await backend.set(fresh.toString('base64'));
          key = fresh;
        }
        return key;
      } finally {
        await lock.release();
      }
    },
  };
};
