import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { PluginError } from '../errors.js';
import { debug } from '../log.js';
import type { SessionStore, TokenSet } from './tokens.js';

const FORMAT = 'kubectl-oidc/session/v1';
const TOKEN_FIELDS = ['idToken', 'accessToken', 'refreshToken'] as const;

/** Parses a session file; anything corrupt, truncated or foreign is a miss, never a crash. */
export const parseSessionFile = (text: string): TokenSet | undefined => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const record = parsed as Record<string, unknown>;
  if (record.format !== FORMAT) return undefined;
  const tokens: TokenSet = {};
  for (const field of TOKEN_FIELDS) {
    const value = record[field];
    if (value === undefined) continue;
    if (typeof value !== 'string') return undefined;
    tokens[field] = value;
  }
  if (typeof record.accessTokenExpiresAt === 'number') tokens.accessTokenExpiresAt = record.accessTokenExpiresAt;
  return tokens;
};

export const serializeSession = (tokens: TokenSet): string => JSON.stringify({ format: FORMAT, ...tokens });

/** Writes a file so that readers see the old content or the new, never a part: temp file (0600), fsync, rename. */
export const writeFileAtomic = async (path: string, content: string): Promise<void> => {
  const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(content, 'utf8');
    await handle.sync();
  } catch (err) {
    await handle.close();
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  await handle.close();
  try {
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
};

/** Sessions as 0600 JSON files in a 0700 directory. */
export const diskStore = (dir: string): SessionStore => {
  const fileOf = (key: string): string => join(dir, `${key}.json`);
  return {
    name: 'disk',
    async load(key) {
      let text: string;
      try {
        text = await readFile(fileOf(key), 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
          debug(`cannot read the session file ${fileOf(key)}: ${(err as Error).message}; treating it as absent`);
        }
        return undefined;
      }
      const tokens = parseSessionFile(text);
      if (!tokens) debug(`the session file ${fileOf(key)} is corrupt or of another format; treating it as absent`);
      return tokens;
    },
    async save(key, tokens) {
      try {
        await mkdir(dir, { recursive: true, mode: 0o700 });
        await writeFileAtomic(fileOf(key), serializeSession(tokens));
      } catch (err) {
        throw new PluginError(
          'cache',
          `cannot write the token cache in ${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
          'check the directory permissions or pass --token-cache-dir / --token-cache-storage=none',
          { cause: err },
        );
      }
    },
  };
};

export const noStore = (): SessionStore => ({
  name: 'none',
  load: async () => undefined,
  save: async () => undefined,
});
