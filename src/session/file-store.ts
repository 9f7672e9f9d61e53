// fs.promises is loaded on first use: a cache hit reads synchronously and never pays for it (~2 ms).
import { closeSync, promises as fs, fstatSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Ambient } from '../ambient.js';
import { PluginError } from '../errors.js';
import type { Logger } from '../log.js';
import { isAlive, MOVE_THE_CACHE, ownUid, secureCacheDir } from './cache-dir.js';
import type { Sealer } from './seal.js';
import type { SessionInfo, SessionStore, StoredSession, TokenSet } from './tokens.js';

const PLAIN = 'kubectl-oidc/session/v1';
const SEALED = 'kubectl-oidc/session-sealed/v1';
const TOKEN_FIELDS = ['idToken', 'accessToken', 'refreshToken', 'scope'] as const;
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
export const writeFileAtomic = async (path: string, content: string, mode?: number): Promise<void> => {
  // Created exclusively in our private directory: the name only has to differ from other writers'. No crypto module
  // to load first: a rotated refresh token reaches the disk as soon as it can.
  const temp = `${path}.${process.pid}.${Math.floor(Math.random() * 2 ** 48).toString(16)}.tmp`;
  const handle = await fs.open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(content, 'utf8');
    if (mode !== undefined) await handle.chmod(mode);
    await handle.sync();
    await handle.close();
    await fs.rename(temp, path);
  } catch (err) {
    await handle.close().catch(() => undefined);
    await fs.unlink(temp).catch(() => undefined);
    throw err;
  }
};

export const ensureCacheDir = (dir: string, log: Logger): Promise<void> => secureCacheDir(dir, log);

/** writeFileAtomic's temp file of a session or its hit file: `<key>.json.<pid>.<random>.tmp`, `<key>.hit.…`. */
const SESSION_TEMP = /^([0-9a-f]{64})\.(json|hit)\.(\d+)\.[0-9a-f]+\.tmp$/;
/** What a lock's removal leaves when it is cut short between its rename and its rm: `<key>.lock[.takeover].removed-…`. */
const LOCK_GRAVE = /^([0-9a-f]{64})\.lock(\.takeover)?\.removed-[0-9a-f]+$/;

/**
 * What processes that were killed left in the cache directory, for one session or all: temp files of session writes
 * (which hold tokens) whose writer is gone, and lock directories cut short in their removal.
 */
const leftovers = async (dir: string, key?: string): Promise<{ temps: { path: string; session: boolean }[]; graves: string[] }> => {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return { temps: [], graves: [] };
  }
  const temps: { path: string; session: boolean }[] = [];
  const graves: string[] = [];
  for (const name of names) {
    const temp = SESSION_TEMP.exec(name);
    // Ours are written and renamed before anyone looks: a temp file with our pid is a former process's.
    const writing = temp && Number(temp[3]) !== process.pid && isAlive(Number(temp[3]));
    if (temp && (!key || temp[1] === key) && !writing) temps.push({ path: join(dir, name), session: temp[2] === 'json' });
    const grave = LOCK_GRAVE.exec(name);
    if (grave && (!key || grave[1] === key)) graves.push(join(dir, name));
  }
  return { temps, graves };
};

/** Removes what killed processes left (for one session, or every one): nothing that holds a token stays behind. */
export const sweepLeftovers = async (dir: string, key?: string): Promise<void> => {
  const { temps, graves } = await leftovers(dir, key);
  for (const { path } of temps) await fs.unlink(path).catch(() => undefined);
  for (const path of graves) await fs.rm(path, { recursive: true, force: true }).catch(() => undefined);
};

/**
 * Sessions as 0600 files in a 0700 directory: sealed (AES-256-GCM, key in the OS keychain) when a sealer is given,
 * plain otherwise. The non-secret session info stays readable so `status` works without the keychain.
 */
export const fileStore = (dir: string, sealer: Sealer | undefined, { log }: Ambient): SessionStore => {
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
            log.debug(`the session file ${fileOf(key)} belongs to uid ${owner}, not to you; treating it as absent`);
            return undefined;
          }
          text = readFileSync(fd, 'utf8');
        } finally {
          closeSync(fd);
        }
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
          log.debug(`cannot read the session file ${fileOf(key)}: ${(err as NodeJS.ErrnoException).code}; treating it as absent`);
        }
        return undefined;
      }
      const tokens = parseSessionFile(text, key, sealer);
      if (!tokens)
        log.debug(`the session file ${fileOf(key)} is corrupt, of another format or sealed with another key; treating it as absent`);
      return tokens;
    },
    async save(key, tokens, info) {
      try {
        await ensureCacheDir(dir, log);
        await writeFileAtomic(fileOf(key), serializeSession(key, tokens, info, sealer));
      } catch (err) {
        throw new PluginError(
          'cache',
          `cannot write the token cache in ${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
          MOVE_THE_CACHE,
          { cause: err },
        );
      }
    },
    async remove(key) {
      await sweepLeftovers(dir, key);
      try {
        await fs.unlink(fileOf(key));
        return true;
      } catch {
        return false;
      }
    },
    /**
     * A run killed past the IdP's answer and before its rename leaves the rotated refresh token only in its temp file:
     * the newest complete one (ours, a regular 0600 file that parses whole, newer than the session) becomes the session,
     * and the rest of what killed runs left goes. Called under the session's lock.
     */
    async recover(key) {
      const session = fileOf(key);
      const { temps } = await leftovers(dir, key);
      const sessionTime = await fs.stat(session).then(
        (stat) => stat.mtimeMs,
        () => Number.NEGATIVE_INFINITY,
      );
      let newest: { path: string; time: number } | undefined;
      for (const { path, session: ofSession } of temps) {
        if (!ofSession) continue;
        try {
          const stat = await fs.lstat(path);
          const uid = ownUid();
          const ours = stat.isFile() && (stat.mode & 0o777) === 0o600 && (uid === undefined || stat.uid === uid);
          if (!ours || stat.mtimeMs <= sessionTime || (newest && stat.mtimeMs <= newest.time)) continue;
          if (parseSessionFile(await fs.readFile(path, 'utf8'), key, sealer)) newest = { path, time: stat.mtimeMs };
        } catch {
          // gone meanwhile, or unreadable: not a session to adopt
        }
      }
      if (newest) {
        await fs.rename(newest.path, session);
        log.debug(`adopted ${newest.path}, which a run that was cut short wrote after the session it replaces`);
      }
      await sweepLeftovers(dir, key);
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

/** No storage: a session lives as long as the process (setup's refresh check reads what its login obtained). */
export const noStore = (): SessionStore => {
  const held = new Map<string, TokenSet>();
  return {
    name: 'none',
    persistent: false,
    load: async (key) => held.get(key),
    save: async (key, tokens) => void held.set(key, tokens),
    remove: async (key) => held.delete(key),
  };
};
