import { closeSync, constants, existsSync, fstatSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultCacheDir, expandHome } from '../options/home.js';
import { API_VERSION_V1, parseExecInfo } from './exec-credential.js';
import { argsSignature, envSignature, forcedByEnvironment, HIT_FORMAT, hitDir, isUnjudged } from './signature.js';
import { writeStdout } from './stdout.js';

// The hit file served by Node, for the Node entry (Windows, installs without scripts, and every miss of the sh
// launcher): the launcher's rules in JavaScript, in a file of its own (dist/hit.cjs) that bin/kubectl-oidc loads before
// anything else, so that a hit neither compiles nor runs the rest (option parsing, the session key, the keychain).

/** The apiVersion kubectl asks for, as the full path reads it; undefined for an exec info it would refuse. */
const apiVersionAsked = (raw: string | undefined): 'v1' | 'v1beta1' | undefined => {
  try {
    return parseExecInfo(raw).apiVersion === API_VERSION_V1 ? 'v1' : 'v1beta1';
  } catch {
    return undefined; // the full path says what is wrong with it
  }
};

/** Where hit files may be, as the launcher looks: the cache directory of these arguments, and the per-user tmpfs. */
export const hitDirs = (args: readonly string[], env: NodeJS.ProcessEnv): string[] => {
  let dir: string | undefined;
  for (const [i, arg] of args.entries()) {
    if (arg.startsWith('--token-cache-dir=')) dir = arg.slice('--token-cache-dir='.length);
    else if (arg === '--token-cache-dir' && i + 1 < args.length) dir = args[i + 1];
  }
  dir ||= env.KUBECTL_OIDC_TOKEN_CACHE_DIR;
  dir = dir ? expandHome(dir, env) : defaultCacheDir(env);
  const tmpfs = hitDir('keyring', dir, env);
  return tmpfs ? [dir, tmpfs] : [dir];
};

/**
 * A file's text, if it is a regular file of ours that no one else may read or write: exactly 0600, as the launcher's
 * `ls -ln` check. Opened without following a symlink or waiting (a FIFO named *.hit would block a plain open), then
 * judged by what was opened.
 */
const readOwnFile = (path: string): string | undefined => {
  let fd: number | undefined;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
    const stat = fstatSync(fd);
    const uid = process.getuid?.();
    if (!stat.isFile() || (uid !== undefined && (stat.uid !== uid || (stat.mode & 0o777) !== 0o600))) return undefined;
    return readFileSync(fd, 'utf8');
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
};

/**
 * The ExecCredential line a hit file holds for exactly these signatures, if it is exactly six complete lines, in this
 * format, and fresh at nowSec (whole seconds, as the launcher's `date +%s`; the expiry 1 to 12 digits, which sh's test
 * compares without overflow).
 */
export const hitLine = (
  text: string,
  signatures: { args: string; env: string },
  version: 'v1' | 'v1beta1',
  nowSec: number,
): string | undefined => {
  const lines = text.split('\n');
  if (lines.length !== 7 || lines[6] !== '' || lines[0] !== HIT_FORMAT) return undefined;
  const [, until, args, env, v1, v1beta1] = lines as [string, string, string, string, string, string];
  if (args !== signatures.args || env !== signatures.env || !/^\d{1,12}$/.test(until) || Math.floor(nowSec) >= Number(until)) {
    return undefined;
  }
  return `${version === 'v1' ? v1 : v1beta1}\n`;
};

/** The hit for this run (the arguments after the program name), if a hit file has one. */
export const findHit = (args: readonly string[], env: NodeJS.ProcessEnv, nowSec: number): string | undefined => {
  if (args[0] !== 'get-token' || args.some(isUnjudged) || forcedByEnvironment(env)) return undefined;
  const version = apiVersionAsked(env.KUBERNETES_EXEC_INFO);
  const argsLine = argsSignature(args);
  const envLine = envSignature(env);
  if (!version || argsLine === undefined || envLine === undefined) return undefined;
  const signatures = { args: argsLine, env: envLine };
  const dirs = hitDirs(args, env);
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      if (!name.endsWith('.hit')) continue;
      // A hit stands for a session the cache still has: once logged out, a hit file left anywhere is dead.
      if (!existsSync(join(dirs[0]!, `${name.slice(0, -'.hit'.length)}.json`))) continue;
      const text = readOwnFile(join(dir, name));
      const line = text && hitLine(text, signatures, version, nowSec);
      if (line) return line;
    }
  }
  return undefined;
};

/** Prints this process's hit, if there is one, and says whether it did. The entry passes the time (ms since the epoch). */
export const servedHit = (nowMs: number): boolean => {
  const line = findHit(process.argv.slice(2), process.env, nowMs / 1000);
  if (line) writeStdout(line);
  return line !== undefined;
};
