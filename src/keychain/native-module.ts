import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { homeDir } from '../options/table.js';

// The compiled executable's keychain module (scripts/compile.mjs embeds its target's @napi-rs/keyring .node file and
// loads it through here): placed once per version in a per-user directory under a name made of its digest, checked
// against that digest before every load, and loaded by its absolute path. Left to the runtime, an embedded module is
// written to a new temporary file on every run (on Windows one the runtime cannot delete, oven-sh/bun#30036) and handed
// to the OS loader by a virtual path that Wine's cannot open.

/** The per-user directory for the executable's native modules, where each OS keeps a program's caches. */
export const nativeModuleDir = (env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string => {
  if (platform === 'win32') return join(env.LOCALAPPDATA || join(homeDir(env), 'AppData', 'Local'), 'kubectl-oidc', 'modules');
  if (platform === 'darwin') return join(homeDir(env), 'Library', 'Caches', 'kubectl-oidc', 'modules');
  return join(env.XDG_CACHE_HOME || join(homeDir(env), '.cache'), 'kubectl-oidc', 'modules');
};

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

const digestOf = (path: string): string | undefined => {
  try {
    return sha256(readFileSync(path));
  } catch {
    return undefined;
  }
};

/** The directory, made if missing, ours and closed to everyone else (POSIX); never through a symlink. */
const privateDir = (dir: string): void => {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (process.platform === 'win32') return;
  const stat = lstatSync(dir);
  if (!stat.isDirectory() || stat.uid !== process.getuid?.()) throw new Error(`${dir} is not a directory of this user's`);
  if ((stat.mode & 0o777) !== 0o700) chmodSync(dir, 0o700);
};

/**
 * The path of `name` with exactly these bytes in dir: the file there when its digest matches, else one written from
 * `embedded` (a file the runtime serves from inside the executable) beside it and renamed into place.
 */
export const placedModule = (embedded: string, digest: string, dir: string, name: string): string => {
  const path = join(dir, `${name}-${digest.slice(0, 32)}.node`);
  if (digestOf(path) === digest) return path;
  privateDir(dir);
  const bytes = readFileSync(embedded);
  if (sha256(bytes) !== digest) throw new Error(`the executable's ${name} module does not match its digest`);
  const temp = join(dir, `.${name}-${randomBytes(6).toString('hex')}.tmp`);
  writeFileSync(temp, bytes, { mode: 0o600, flag: 'wx' });
  try {
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    // Another run may have placed it first (Windows refuses to replace a file that is loaded).
    if (digestOf(path) !== digest) throw err;
  }
  return path;
};

/** The native module's exports, loaded from its placed copy. */
export const loadEmbeddedModule = (embedded: string, digest: string, name: string): unknown => {
  const module = { exports: {} as unknown };
  process.dlopen(module, placedModule(embedded, digest, nativeModuleDir(), name));
  return module.exports;
};
