// fs.promises is loaded on first use: a cache hit reads synchronously and never pays for it (~2 ms).
import { closeSync, promises as fs, fstatSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PluginError } from '../errors.js';
import { debug } from '../log.js';
import { ownUid, secureCacheDir } from './cache-dir.js';
import type { Sealer } from './seal.js';
import type { SessionInfo, SessionStore, StoredSession, TokenSet } from './tokens.js';

const PLAIN = 'kubectl-oidc/session/v1';
const SEALED = 'kubectl-oidc/session-sealed/v1';
const TOKEN_FIELDS = ['idToken', 'accessToken', 'refreshToken'] as const;
const SESSION_FILE = /^([0-9a-f]{64})\.json$/;

interface SessionFile {
  format: string;
  info?: SessionInfo;
  tokens?: unknown;
  iv?: string;
  tag?: string;
  data?: string;
}

const toTokenSet = (value: unknown): TokenSet | undefined => {
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  const tokens: TokenSet = {};
  for (const field of TOKEN_FIELDS) {
    const token = record[field];
    if (token === undefined) continue;
    if (typeof token !== 'string') return undefined;
    tokens[field] = token;
  }
  if (typeof record.accessTokenExpiresAt === 'number') tokens.accessTokenExpiresAt = record.accessTokenExpiresAt;
  if (record.accessTokenIsCredential === true) tokens.accessTokenIsCredential = true;
  return tokens;
};

const parseFile = (text: string): SessionFile | undefined => {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const file = parsed as SessionFile;
    return file.format === PLAIN || file.format === SEALED ? file : undefined;
  } catch {
    return undefined;
  }
};

/** Reads the tokens of a session file; anything corrupt, truncated, foreign or sealed with another key is a miss. */
export const parseSessionFile = (text: string, key: string, sealer: Sealer | undefined): TokenSet | undefined => {
  const file = parseFile(text);
  if (!file) return undefined;
  if (file.format === PLAIN) return toTokenSet(file.tokens);
  if (!sealer) return undefined;
  const opened = sealer.open(key, file);
  try {
    return opened === undefined ? undefined : toTokenSet(JSON.parse(opened));
  } catch {
    return undefined;
  }
};

/** Whether a session file is sealed (whatever key sealed it). */
export const isSealedSession = (text: string): boolean => parseFile(text)?.format === SEALED;

export const serializeSession = (key: string, tokens: TokenSet, info: SessionInfo, sealer: Sealer | undefined): string =>
  JSON.stringify(sealer ? { format: SEALED, info, ...sealer.seal(key, JSON.stringify(tokens)) } : { format: PLAIN, info, tokens });

/** Writes a file so that readers see the old content or the new, never a part: temp file (0600), fsync, rename. */
export const writeFileAtomic = async (path: string, content: string): Promise<void> => {
  const { randomBytes } = await import('node:crypto'); // not on the cache-hit path, which never writes
  const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await fs.open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(content, 'utf8');
    await handle.sync();
    await handle.close();
    await fs.rename(temp, path);
  } catch (err) {
    await handle.close().catch(() => undefined);
    await fs.unlink(temp).catch(() => undefined);
    throw err;
  }
};

export const ensureCacheDir = (dir: string): Promise<void> => secureCacheDir(dir);

/**
 * Sessions as 0600 files in a 0700 directory: sealed (AES-256-GCM, key in the OS keychain) when a sealer is given,
 * plain otherwise. The non-secret session info stays readable so `status` works without the keychain.
 */
export const fileStore = (dir: string, sealer: Sealer | undefined): SessionStore => {
  const fileOf = (key: string): string => join(dir, `${key}.json`);
  return {
    name: sealer ? 'keyring' : 'disk',
    persistent: true,
    async load(key) {
      let text: string;
      try {
        // Synchronous: a small file, and an async read would start libuv's thread pool on the cache-hit path (~3 ms).
        // A file someone else owns (planted in a shared directory, or behind a symlink) is never ours to serve.
        const fd = openSync(fileOf(key), 'r');
        try {
          const owner = fstatSync(fd).uid;
          const uid = ownUid();
          if (uid !== undefined && owner !== uid) {
            debug(`the session file ${fileOf(key)} belongs to uid ${owner}, not to you; treating it as absent`);
            return undefined;
          }
          text = readFileSync(fd, 'utf8');
        } finally {
          closeSync(fd);
        }
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
          debug(`cannot read the session file ${fileOf(key)}: ${(err as NodeJS.ErrnoException).code}; treating it as absent`);
        }
        return undefined;
      }
      const tokens = parseSessionFile(text, key, sealer);
      if (!tokens) debug(`the session file ${fileOf(key)} is corrupt, of another format or sealed with another key; treating it as absent`);
      return tokens;
    },
    async save(key, tokens, info) {
      try {
        await ensureCacheDir(dir);
        await writeFileAtomic(fileOf(key), serializeSession(key, tokens, info, sealer));
      } catch (err) {
        throw new PluginError(
          'cache',
          `cannot write the token cache in ${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
          'check the directory permissions or pass --token-cache-dir / --token-cache-storage=none',
          { cause: err },
        );
      }
    },
    async remove(key) {
      try {
        await fs.unlink(fileOf(key));
        return true;
      } catch {
        return false;
      }
    },
  };
};

/** Every session in a cache directory, with what `status` may show. */
export const listSessions = async (dir: string): Promise<StoredSession[]> => {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return [];
  }
  const sessions: StoredSession[] = [];
  for (const name of names.sort()) {
    const key = SESSION_FILE.exec(name)?.[1];
    if (!key) continue;
    const file = parseFile(await fs.readFile(join(dir, name), 'utf8').catch(() => ''));
    if (!file?.info) continue;
    sessions.push({ key, info: file.info, storage: file.format === SEALED ? 'keyring' : 'disk' });
  }
  return sessions;
};

export const noStore = (): SessionStore => ({
  name: 'none',
  persistent: false,
  load: async () => undefined,
  save: async () => undefined,
  remove: async () => false,
});
