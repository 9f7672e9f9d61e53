import { join } from 'node:path';
import { matchesAny } from '../options/flag-patterns.js';
import type { Storage } from '../options/types.js';
import { LISTS } from './signature-lists.js';

/** The first line of a hit file: a file in another format is never served. */
export const HIT_FORMAT = 'kubectl-oidc-hit 2';

/**
 * What a hit depends on besides the arguments: every variable get-token reads (KUBECTL_OIDC_*) and those that decide
 * where the cache lives. The launcher and the hit file spell them the same way, from this one list.
 */
export const HIT_ENVIRONMENT: readonly string[] = LISTS.environment;

/**
 * Flags and variables whose values are secrets (client secret, password, tokens to exchange): a hit file records only
 * that they were given, never their values. The password and the tokens do not pick the session; a client secret
 * does, and a hit then stands for the session whatever the secret, as it already did for --oidc-client-secret-file.
 */
export const SECRET_FLAGS: readonly string[] = LISTS.secretFlags;
export const SECRET_ENVIRONMENT: readonly string[] = LISTS.secretEnvironment;

/**
 * Where a session's hit file lives, so that caching stays as safe as the storage chosen: beside the session files for
 * disk storage; for keyring storage only on the per-user tmpfs ($XDG_RUNTIME_DIR, gone at logout), else nowhere.
 */
export const hitDir = (storage: Storage, cacheDir: string, env: NodeJS.ProcessEnv): string | undefined => {
  if (storage === 'disk') return cacheDir;
  if (storage === 'none' || !env.XDG_RUNTIME_DIR) return undefined;
  return join(env.XDG_RUNTIME_DIR, 'kubectl-oidc');
};

/**
 * Every directory a session's hit file may be in, for a logout to clear: the cache directory, the per-user tmpfs as
 * this run names it, and that tmpfs's usual place (a kubectl run with XDG_RUNTIME_DIR set wrote there; this one may not
 * have it). Readers also refuse a hit whose session file is gone, wherever the hit file was left.
 */
export const hitDirsToClear = (cacheDir: string, env: NodeJS.ProcessEnv, uid = process.getuid?.()): string[] => {
  const usual = uid === undefined ? undefined : join('/run/user', String(uid), 'kubectl-oidc');
  return [...new Set([cacheDir, hitDir('keyring', cacheDir, env), usual].filter((dir): dir is string => dir !== undefined))];
};

/** Joins the fields of a signature: the ASCII unit separator, which no flag or path contains in practice. */
export const SEPARATOR = '\x1f';

/**
 * Arguments that ask for more than a cached credential (debug lines, help, a new token), never answered from a hit: as
 * sh case patterns, which the launcher uses as they are, from the option table's rows handed over to commander or that
 * never hit (with klog's -v2 and -v=2 forms), and help.
 */
export const UNJUDGED: readonly string[] = LISTS.unjudged;
export const isUnjudged: (arg: string) => boolean = matchesAny(UNJUDGED);
/** A flag that names whom the session is for: a run that has one gets no hit file (no reader would answer it). */
export const namesIdentity: (arg: string) => boolean = matchesAny(LISTS.identityFlags);

/** The environment's --force-refresh: its variable set to anything but a word for false. */
export const FORCE_REFRESH_VARIABLE = LISTS.forceRefreshVariable;
/** The spellings of false the launcher knows; any other value (a true, a mistake) goes to the full program. */
export const FALSE_SPELLINGS: readonly string[] = ['', 'false', 'False', 'FALSE', '0', 'no', 'No', 'NO', 'off', 'Off', 'OFF'];

/** The variables that name whom a session is for (a token to exchange): a run with one set is never answered from a hit. */
export const IDENTITY_ENVIRONMENT: readonly string[] = LISTS.identityEnvironment;

/**
 * Whether the environment asks for a new token, as --force-refresh does, or names whom the session is for: never
 * answered from a hit, never published.
 */
export const forcedByEnvironment = (env: NodeJS.ProcessEnv): boolean => {
  const value = env[FORCE_REFRESH_VARIABLE];
  return (value !== undefined && !FALSE_SPELLINGS.includes(value)) || IDENTITY_ENVIRONMENT.some((name) => env[name] !== undefined);
};

const oneLine = (values: readonly string[]): string | undefined =>
  values.some((value) => value.includes('\n') || value.includes('\r') || value.includes(SEPARATOR)) ? undefined : values.join(SEPARATOR);

/** A secret flag's value, inline (`--password=…` → `--password=`) or the next argument (→ empty), as the launcher does. */
const withoutSecrets = (args: readonly string[]): string[] => {
  let valueNext = false;
  return args.map((arg) => {
    if (valueNext) {
      valueNext = false;
      return '';
    }
    const flag = SECRET_FLAGS.find((name) => arg.startsWith(`${name}=`));
    if (flag) return `${flag}=`;
    valueNext = SECRET_FLAGS.includes(arg);
    return arg;
  });
};

/**
 * The arguments a hit stands for (those of a plain run: debug and --force-refresh left out; secrets blanked);
 * undefined if they do not fit on a line, or name whom the session is for (no hit can stand for that).
 */
export const argsSignature = (args: readonly string[]): string | undefined =>
  args.some(namesIdentity) ? undefined : oneLine(withoutSecrets(args.filter((arg) => !isUnjudged(arg))));

/** The environment a hit stands for: each variable unset ("u") or set ("s" and its value, none for a secret). */
export const envSignature = (env: NodeJS.ProcessEnv): string | undefined =>
  oneLine(HIT_ENVIRONMENT.map((name) => (env[name] === undefined ? 'u' : SECRET_ENVIRONMENT.includes(name) ? 's' : `s${env[name]}`)));
