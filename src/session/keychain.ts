import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { oneLine } from '../errors.js';
import { acquireLock } from './lock.js';

const SERVICE = 'kubectl-oidc';
const ACCOUNT = 'session-encryption-key';
const TIMEOUT_MS = 2000;

type Keytar = typeof import('keytar');

export interface Keychain {
  /** The session encryption key, if one was made before. */
  key: Buffer | undefined;
  /** Makes the key on first use; serialized across processes so that all of them seal with the same key. */
  ensureKey(): Promise<Buffer>;
}

export class KeychainUnavailable extends Error {}

/** A keychain that waits for a prompt (a locked Secret Service) must not hang kubectl: give up after 2 s. */
const answer = <T>(promise: Promise<T>, what: string): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new KeychainUnavailable(`the OS keychain did not answer ${what} within ${TIMEOUT_MS / 1000} s (locked?)`)), TIMEOUT_MS);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
};

const decodeKey = (text: string | null): Buffer | undefined => {
  if (!text) return undefined;
  const key = Buffer.from(text, 'base64');
  return key.length === 32 ? key : undefined;
};

const unavailable = (err: unknown): KeychainUnavailable =>
  err instanceof KeychainUnavailable ? err : new KeychainUnavailable(oneLine(err instanceof Error ? err.message : String(err)));

/** Opens the OS keychain through keytar (imported only here, only when needed). Throws KeychainUnavailable. */
export const openKeychain = async (cacheDir: string): Promise<Keychain> => {
  let keytar: Keytar;
  try {
    const module = (await import('keytar')) as Keytar & { default?: Keytar };
    keytar = module.default ?? module;
  } catch {
    throw new KeychainUnavailable('keytar is not installed (an optional dependency; on Linux it needs libsecret)');
  }
  let key: Buffer | undefined;
  try {
    key = decodeKey(await answer(keytar.getPassword(SERVICE, ACCOUNT), 'a read'));
  } catch (err) {
    throw unavailable(err);
  }
  return {
    key,
    ensureKey: async () => {
      if (key) return key;
      const lock = await acquireLock(join(cacheDir, 'keychain-key.lock'), { timeoutMs: 10_000 });
      try {
        key = decodeKey(await answer(keytar.getPassword(SERVICE, ACCOUNT), 'a read'));
        if (!key) {
          const fresh = randomBytes(32);
          await answer(keytar.setPassword(SERVICE, ACCOUNT, fresh.toString('base64')), 'a write');
          key = fresh;
        }
        return key;
      } catch (err) {
        throw unavailable(err);
      } finally {
        await lock.release();
      }
    },
  };
};
